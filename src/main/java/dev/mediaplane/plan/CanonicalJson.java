package dev.mediaplane.plan;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Plain values (String, Number, Boolean, List, Map) to JSON with sorted keys and compact numbers,
 * so the same value always gives the same bytes: plan output is diffed and reviewed as text.
 */
public final class CanonicalJson {

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            // Keep '<', '>', '=' and '&' readable: the output is never embedded in HTML.
            .disableHtmlEscaping()
            .create();

    private CanonicalJson() {}

    /** The JSON tree of a plain value; map keys sorted, integral numbers without a fraction. */
    public static JsonElement tree(Object value) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof JsonElement e) {
            return e;
        }
        if (value instanceof Optional<?> o) {
            return tree(o.orElse(null));
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            JsonObject o = new JsonObject();
            sorted.forEach((k, v) -> o.add(k, tree(v)));
            return o;
        }
        if (value instanceof Collection<?> c) {
            JsonArray a = new JsonArray();
            c.forEach(x -> a.add(tree(x)));
            return a;
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Number n) {
            return new JsonPrimitive(compact(n));
        }
        return new JsonPrimitive(String.valueOf(value));
    }

    /** Pretty-printed JSON of a plain value, ending with a newline. */
    public static String write(Object value) {
        return GSON.toJson(tree(value)) + "\n";
    }

    /**
     * The engine hands every number over as a double: 5061.0 is the port 5061. Whole numbers lose
     * the fraction so JSON and tree output read like the config that produced them.
     */
    public static Number compact(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isInfinite(d) && !Double.isNaN(d) && d == Math.rint(d) && Math.abs(d) < 1e15) {
                return (long) d;
            }
        }
        return n;
    }
}
