package dev.mediaplane.config;

/**
 * The secrets a node reads from Secret Manager at boot. Each has a top-level config key for its
 * value ({@code pulumi config set --secret mediaplane:<configKey>}) and a Secret Manager id suffix.
 */
public enum NodeSecret {
    SIP_TRUNK_PASSWORD("sipTrunkPassword", "sip-trunk-password", "SIP trunk password."),
    ESL_PASSWORD("eslPassword", "esl-password", "Event Socket password."),
    ESL_OPERATOR_PASSWORD("eslOperatorPassword", "esl-operator-password",
            "Event Socket password of the operator user (operator@mediaplane) that drain, undrain, rollout, smoke and synthetic log in as; unset: each node has a random one nobody knows."),
    TLS_CERTIFICATE("tlsCertificate", "tls-certificate", "PEM certificate chain of the external SIP TLS profile."),
    TLS_PRIVATE_KEY("tlsPrivateKey", "tls-private-key", "PEM private key of the external SIP TLS profile."),
    DEEPGRAM_API_KEY("deepgramApiKey", "deepgram-api-key", "Deepgram API key for the streaming bridge."),
    ASSEMBLYAI_API_KEY("assemblyaiApiKey", "assemblyai-api-key", "AssemblyAI API key for the streaming bridge."),
    SIGNALWIRE_REPO_TOKEN("signalwireRepoToken", "signalwire-repo-token",
            "Token for SignalWire's FreeSWITCH package repository, read at boot only when the image lacks FreeSWITCH.");

    private final String configKey;
    private final String secretSuffix;
    private final String description;

    NodeSecret(String configKey, String secretSuffix, String description) {
        this.configKey = configKey;
        this.secretSuffix = secretSuffix;
        this.description = description;
    }

    /** One line for the key's catalogue row ({@link ConfigKeys}). */
    public String description() {
        return description;
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
