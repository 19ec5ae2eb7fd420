package dev.mediaplane.ops.secrets;

import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.NodeContract;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A secret the program declares (infra/Secrets: one per {@link NodeSecret}), where it lands on the
 * node (render/NodeContract), and how a new version reaches running FreeSWITCH without dropping a
 * call.
 *
 * @param secret which one
 * @param contract where boot puts it and what boot checks it is
 * @param id the Secret Manager secret id, {@code <prefix>-<suffix>}
 */
public record ManagedSecret(NodeSecret secret, NodeContract.Secret contract, String id) {

    /** How a node takes a new value; its agent's secret refresh does it (agent/secrets/SecretRefresher). */
    public enum Apply {
        /** The SIP trunk password: {@code sofia profile external killgw signalwire}, {@code rescan}; the gateway re-registers. */
        GATEWAY_REREGISTER,
        /** An ESL password (a directory user's: controller's or operator's): {@code reloadxml}; read at each login, live sessions stay. */
        DIRECTORY_RELOAD,
        /** The TLS certificate or key: {@code sofia profile external restart}, only once the profile has no call. */
        TLS_PROFILE_RESTART,
        /** A file the streaming bridge reads per connection: nothing to do in FreeSWITCH. */
        FILE_ONLY,
        /** Read at boot only (the package repository token): nothing to apply. */
        BOOT_ONLY
    }

    /** Every secret the program declares for {@code config}, in the node contract's order. */
    public static List<ManagedSecret> all(StackConfig config) {
        return NodeContract.STANDARD.secrets().stream().map(s -> new ManagedSecret(bySuffix(s.suffix()), s,
                config.prefix() + "-" + s.suffix())).toList();
    }

    /**
     * The secret an operator names: its suffix ({@code esl-password}), its full id
     * ({@code mp-prod-esl-password}) or its config key ({@code eslPassword}).
     */
    public static Optional<ManagedSecret> named(StackConfig config, String name) {
        for (ManagedSecret s : all(config)) {
            if (s.contract.suffix().equals(name) || s.id.equals(name) || s.secret.configKey().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public Apply apply() {
        return switch (secret) {
            case SIP_TRUNK_PASSWORD -> Apply.GATEWAY_REREGISTER;
            case ESL_PASSWORD, ESL_OPERATOR_PASSWORD -> Apply.DIRECTORY_RELOAD;
            case TLS_CERTIFICATE, TLS_PRIVATE_KEY -> Apply.TLS_PROFILE_RESTART;
            case DEEPGRAM_API_KEY, ASSEMBLYAI_API_KEY -> Apply.FILE_ONLY;
            case SIGNALWIRE_REPO_TOKEN -> Apply.BOOT_ONLY;
        };
    }

    /** What the value must be, as boot checks it; null when acceptable. Never quotes the value. */
    public String check(byte[] value) {
        String s = new String(value, java.nio.charset.StandardCharsets.UTF_8);
        return switch (contract.check()) {
            case PASSWORD -> s.matches("[A-Za-z0-9._~+/=:@%!*,^-]{12,256}") ? null
                    : "must be 12-256 characters of A-Z a-z 0-9 . _ ~ + / = : @ % ! * , ^ - (got " + s.length()
                            + " characters" + (s.chars().anyMatch(c -> c == '\n') ? ", with a line break" : "") + ")";
            case PEM_CERTIFICATE -> s.contains("-----BEGIN CERTIFICATE-----") ? null : "must be a PEM certificate (BEGIN CERTIFICATE)";
            case PEM_PRIVATE_KEY -> s.contains("PRIVATE KEY-----") ? null : "must be a PEM private key (BEGIN ... PRIVATE KEY)";
            case NONE -> value.length == 0 ? "must not be empty" : null;
        };
    }

    /** Passwords and keys lose the one newline echo and editors add; PEM keeps its bytes. */
    public byte[] normalise(byte[] value) {
        boolean pem = contract.check() == NodeContract.Check.PEM_CERTIFICATE || contract.check() == NodeContract.Check.PEM_PRIVATE_KEY;
        int n = value.length;
        if (!pem && n > 0 && value[n - 1] == '\n') {
            n -= (n > 1 && value[n - 2] == '\r') ? 2 : 1;
        }
        return java.util.Arrays.copyOf(value, n);
    }

    public String name() {
        return contract.suffix();
    }

    private static NodeSecret bySuffix(String suffix) {
        for (NodeSecret s : NodeSecret.values()) {
            if (s.secretSuffix().equals(suffix)) {
                return s;
            }
        }
        throw new IllegalStateException("node contract secret " + suffix + " is not a NodeSecret");
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
