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
        var project = ctx.config(ConfigParser.NS);
        var gcp = ctx.config("gcp");
        Map<String, Object> values = new TreeMap<>();
        Set<String> secretKeys = new HashSet<>();
        Map<NodeSecret, SecretValue> secrets = new EnumMap<>(NodeSecret.class);
        gcp.get("project").ifPresent(v -> values.put("gcp:project", v));
        gcp.get("region").ifPresent(v -> values.put("gcp:region", v));
        for (String key : ConfigParser.KEYS) {
            String full = ConfigParser.NS + ":" + key;
            Optional<NodeSecret> secret = NodeSecret.byConfigKey(key);
            if (secret.isPresent()) {
                Optional<String> value = project.get(key);
                if (value.isPresent()) {
                    secretKeys.add(full);
                    secrets.put(secret.get(), SecretValue.of(value.get()));
                }
                continue;
            }
            project.get(key).ifPresent(v -> values.put(full, fromEngine(full, v)));
        }
        return new LoadedConfig(ConfigParser.parse(ctx.stackName(), new RawConfig(values, secretKeys, false)), secrets);
    }

    /** The engine passes objects and lists as JSON text and scalars as plain text. */
    static Object fromEngine(String key, String text) {
        String t = text.strip();
        if (t.startsWith("{") || t.startsWith("[")) {
            try {
                return plain(new Gson().fromJson(t, JsonElement.class));
            } catch (JsonParseException e) {
                throw new ConfigException(List.of(String.format("%s holds malformed JSON: %s", key, e.getMessage())));
            }
        }
        return text;
    }

    private static Object plain(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new TreeMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), plain(x.getValue())));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new java.util.ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(plain(x)));
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
