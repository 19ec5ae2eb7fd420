package dev.mediaplane.config;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.pulumi.Context;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Engine loader: reads stack config through {@code ctx.config()} under {@code pulumi up} and
 * {@code pulumi preview}. The engine hands every value over as a string (structured values as
 * JSON), so this loader turns them back into the same plain tree the file loader reads and lets
 * {@link ConfigParser} do the rest. This is the only class that calls {@code ctx.config()}.
 */
public final class PulumiConfigLoader {

    private PulumiConfigLoader() {}

    public static LoadedConfig load(Context ctx) {
        return load(ctx, System.getenv("PULUMI_CONFIG"), System.getenv("PULUMI_CONFIG_SECRET_KEYS"));
    }

    static LoadedConfig load(Context ctx, String engineConfigJson) {
        return load(ctx, engineConfigJson, null);
    }

    /**
     * As {@link #load(Context)}; {@code engineConfigJson} is the language host's PULUMI_CONFIG
     * (every key the stack sets), used only to name keys the program does not know, so a typo in
     * a stack file fails {@code pulumi up} as it fails the offline plan. Null: not checked.
     */
    static LoadedConfig load(Context ctx, String engineConfigJson, String engineSecretKeysJson) {
        Set<String> engineSecrets = engineSecretKeysJson == null ? null : new HashSet<>(engineKeys(engineSecretKeysJson));
        Map<String, Object> values = new TreeMap<>();
        Set<String> secretKeys = new HashSet<>();
        Map<NodeSecret, SecretValue> secrets = new EnumMap<>(NodeSecret.class);
        // Only the catalogue's keys: ctx.config() can look keys up, not list them.
        for (ConfigKey row : ConfigKeys.ALL) {
            String key = row.shortName();
            String full = row.name();
            var config = ctx.config(row.namespace());
            Optional<NodeSecret> secret = NodeSecret.byConfigKey(key);
            if (row.secret() && secret.isPresent()) {
                Optional<String> value = config.get(key);
                if (value.isPresent() && engineSecrets != null && !engineSecrets.contains(full)) {
                    // Set without --secret: the parser refuses it as it does offline, without the value.
                    values.put(full, "(set)");
                    continue;
                }
                if (value.isPresent()) {
                    secretKeys.add(full);
                    secrets.put(secret.get(), SecretValue.of(value.get()));
                }
                continue;
            }
            if (engineSecrets != null && engineSecrets.contains(full) && config.get(key).isPresent()) {
                secretKeys.add(full); // a plain key set with --secret: refused as offline, value unread
                continue;
            }
            config.get(key).ifPresent(v -> values.put(full, fromEngine(full, v)));
        }
        boolean complete = engineConfigJson != null;
        if (complete) {
            for (String key : engineKeys(engineConfigJson)) {
                // Keys without a row (unknown ones, other namespaces, the engine's pulumi:*) go to the
                // parser as set, so it applies the same namespace and key rules as offline.
                if (ConfigKeys.byName(key).isEmpty()) {
                    values.put(key, "(set)");
                }
            }
        }
        return new LoadedConfig(ConfigParser.parse(ctx.stackName(), new RawConfig(values, secretKeys, complete)), secrets);
    }

    /** Keys of PULUMI_CONFIG, with the host's {@code ns:config:key} form cleaned to {@code ns:key}. */
    private static List<String> engineKeys(String json) {
        List<String> keys = new java.util.ArrayList<>();
        try {
            JsonElement doc = new Gson().fromJson(json, JsonElement.class);
            Iterable<String> names = doc.isJsonArray()
                    ? () -> java.util.stream.StreamSupport.stream(doc.getAsJsonArray().spliterator(), false).map(JsonElement::getAsString).iterator()
                    : doc.getAsJsonObject().keySet();
            names.forEach(k -> {
                int colon = k.indexOf(':');
                keys.add(colon > 0 && k.startsWith("config:", colon + 1) ? k.substring(0, colon + 1) + k.substring(colon + 8) : k);
            });
        } catch (JsonParseException | IllegalStateException e) {
            throw new ConfigException(List.of("PULUMI_CONFIG (or PULUMI_CONFIG_SECRET_KEYS) from the Pulumi language host is not "
                    + "JSON: " + e.getMessage()));
        }
        return keys;
    }

    /** The engine passes objects and lists as JSON text and scalars as plain text. */
    static Object fromEngine(String key, String text) {
        String t = text.strip();
        if (t.startsWith("{") || t.startsWith("[")) {
            try {
                return plain(key, new Gson().fromJson(t, JsonElement.class), 0);
            } catch (StackOverflowError e) {
                throw new ConfigException(List.of(String.format("%s nests too deeply to read", key)));
            } catch (JsonParseException e) {
                throw new ConfigException(List.of(String.format("%s holds malformed JSON: %s", key, e.getMessage())));
            }
        }
        return text;
    }

    private static Object plain(String key, JsonElement e, int depth) {
        if (depth > StackFileLoader.MAX_DEPTH) {
            throw new ConfigException(List.of(String.format("%s nests more than %d levels deep", key, StackFileLoader.MAX_DEPTH)));
        }
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new TreeMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), plain(key, x.getValue(), depth + 1)));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new java.util.ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(plain(key, x, depth + 1)));
            return l;
        }
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            return p.getAsDouble();
        }
        return p.getAsString();
    }
}
