package dev.mediaplane.config;

import java.util.Map;
import java.util.Optional;

/**
 * A validated config and the secret values that came with it. The values live apart from the
 * record so the record can be compared, printed and logged without risk.
 */
public record LoadedConfig(StackConfig config, Map<NodeSecret, SecretValue> secrets) {
    public LoadedConfig {
        secrets = Map.copyOf(secrets);
    }

    public Optional<SecretValue> secret(NodeSecret s) {
        return Optional.ofNullable(secrets.get(s));
    }
}
