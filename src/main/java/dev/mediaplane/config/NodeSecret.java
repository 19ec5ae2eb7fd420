package dev.mediaplane.config;

/**
 * The secrets a node reads from Secret Manager at boot. Each has a top-level config key for its
 * value ({@code pulumi config set --secret mediaplane:<configKey>}) and a Secret Manager id suffix.
 */
public enum NodeSecret {
    SIP_TRUNK_PASSWORD("sipTrunkPassword", "sip-trunk-password"),
    ESL_PASSWORD("eslPassword", "esl-password"),
    TLS_CERTIFICATE("tlsCertificate", "tls-certificate"),
    TLS_PRIVATE_KEY("tlsPrivateKey", "tls-private-key"),
    DEEPGRAM_API_KEY("deepgramApiKey", "deepgram-api-key"),
    ASSEMBLYAI_API_KEY("assemblyaiApiKey", "assemblyai-api-key"),
    /** Token for SignalWire's FreeSWITCH package repository; boot reads it only when the image lacks FreeSWITCH. */
    SIGNALWIRE_REPO_TOKEN("signalwireRepoToken", "signalwire-repo-token");

    private final String configKey;
    private final String secretSuffix;

    NodeSecret(String configKey, String secretSuffix) {
        this.configKey = configKey;
        this.secretSuffix = secretSuffix;
    }

    /** Key under the {@code mediaplane:} namespace that holds the value as a Pulumi secret. */
    public String configKey() {
        return configKey;
    }

    /** Suffix of the Secret Manager secret id: {@code <prefix>-<suffix>}. */
    public String secretSuffix() {
        return secretSuffix;
    }

    public static java.util.Optional<NodeSecret> byConfigKey(String key) {
        for (NodeSecret s : values()) {
            if (s.configKey.equals(key)) {
                return java.util.Optional.of(s);
            }
        }
        return java.util.Optional.empty();
    }
}
