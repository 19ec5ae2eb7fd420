package dev.mediaplane.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Offline loader: reads {@code Pulumi.<stack>.yaml} directly, for the plan and the CLI, which run
 * without the Pulumi engine. {@code secure:} values cannot be decrypted here (no secrets
 * provider); they count as provided secrets and their ciphertext stands in for the value.
 */
public final class StackFileLoader {

    private StackFileLoader() {}

    /** Loads {@code <dir>/Pulumi.<stack>.yaml}. */
    public static LoadedConfig load(Path projectDir, String stack) {
        Path file = projectDir.resolve("Pulumi." + stack + ".yaml");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(String.format("stack '%s' has no config file: %s does not exist", stack, file)));
        } catch (IOException e) {
            throw new ConfigException(List.of(String.format("cannot read %s: %s", file, e.getMessage())));
        }
        return parse(stack, file.toString(), text);
    }

    /** Parses the text of a stack file; {@code source} names it in errors. */
    public static LoadedConfig parse(String stack, String source, String text) {
        Object doc;
        try {
            doc = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build()).loadFromString(text);
        } catch (RuntimeException e) {
            throw new ConfigException(List.of(String.format("%s is not valid YAML: %s", source, e.getMessage())));
        }
        if (doc == null) {
            doc = Map.of();
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new ConfigException(List.of(String.format("%s must be a YAML map with a 'config:' key", source)));
        }
        Object config = top.get("config");
        if (config == null) {
            config = Map.of();
        }
        if (!(config instanceof Map<?, ?> entries)) {
            throw new ConfigException(List.of(String.format("%s: 'config' must be a map of keys to values", source)));
        }
        Map<String, Object> values = new TreeMap<>();
        Set<String> secretKeys = new HashSet<>();
        Map<NodeSecret, SecretValue> secrets = new EnumMap<>(NodeSecret.class);
        for (var e : entries.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object value = e.getValue();
            if (value instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("secure")) {
                secretKeys.add(key);
                String ciphertext = String.valueOf(m.get("secure"));
                NodeSecret.byConfigKey(key.substring(key.indexOf(':') + 1))
                        .filter(s -> key.startsWith(ConfigParser.NS + ":"))
                        .ifPresent(s -> secrets.put(s, SecretValue.of(ciphertext)));
            } else {
                values.put(key, value);
            }
        }
        StackConfig parsed = ConfigParser.parse(stack, new RawConfig(values, secretKeys, true));
        return new LoadedConfig(parsed, secrets);
    }
}
