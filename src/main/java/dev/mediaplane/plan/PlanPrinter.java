package dev.mediaplane.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link Plan} for people (a tree) and for programs (JSON). Both are deterministic: the
 * same plan gives the same bytes, so CI can diff two plans as text.
 */
public final class PlanPrinter {

    /** Strings longer than this, or spanning lines, are shown as a length and a hash prefix. */
    static final int MAX_INLINE = 120;

    /** Lists of scalars are written on one line while it stays this short. */
    private static final int MAX_INLINE_LIST = 100;

    private PlanPrinter() {}

    /**
     * {@code {"stack", "resources": [{"type", "name", "parent", "inputs"}], "outputs"}}, keys
     * sorted, resources in plan order, pretty-printed, newline-terminated. Secrets are already
     * {@link Plan#SECRET} in the model; nothing here can reveal more than the plan holds.
     */
    public static String json(Plan plan) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("stack", plan.stack());
        List<Object> resources = new ArrayList<>();
        for (PlannedResource r : plan.resources()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", r.type());
            m.put("name", r.name());
            m.put("parent", r.parent().orElse(null));
            m.put("inputs", r.inputs());
            resources.add(m);
        }
        doc.put("resources", resources);
        doc.put("outputs", plan.outputs());
        return CanonicalJson.write(doc);
    }

    /**
     * The stack, then each resource under its parent ({@code type name}), its inputs indented
     * below it. Long strings (startup scripts, bundle objects) become {@code <N bytes sha256:...>}.
     */
    public static String tree(Plan plan) {
        StringBuilder out = new StringBuilder();
        out.append("stack ").append(plan.stack()).append('\n');
        Map<PlannedResource, List<PlannedResource>> children = new IdentityHashMap<>();
        List<PlannedResource> roots = new ArrayList<>();
        Map<String, PlannedResource> byName = new LinkedHashMap<>();
        // A parent is named, not typed: when a component and a resource share a name, the
        // component is the parent (resources never parent other resources in this program).
        for (PlannedResource r : plan.resources()) {
            PlannedResource seen = byName.get(r.name());
            if (seen == null || (!seen.isComponent() && r.isComponent())) {
                byName.put(r.name(), r);
            }
        }
        for (PlannedResource r : plan.resources()) {
            PlannedResource p = r.parent().map(byName::get).orElse(null);
            if (p == null || p == r) {
                roots.add(r);
            } else {
                children.computeIfAbsent(p, k -> new ArrayList<>()).add(r);
            }
        }
        for (int i = 0; i < roots.size(); i++) {
            node(out, roots.get(i), "", i == roots.size() - 1, children, 0);
        }
        if (!plan.outputs().isEmpty()) {
            out.append("outputs\n");
            value(out, "  ", plan.outputs());
        }
        return out.toString();
    }

    private static void node(StringBuilder out, PlannedResource r, String indent, boolean last,
            Map<PlannedResource, List<PlannedResource>> children, int depth) {
        // Guards against a parent cycle in a hand-built plan; the engine cannot produce one.
        if (depth > 64) {
            return;
        }
        out.append(indent).append(last ? "`-- " : "|-- ").append(r.type()).append(' ').append(r.name()).append('\n');
        String childIndent = indent + (last ? "    " : "|   ");
        List<PlannedResource> kids = children.getOrDefault(r, List.of());
        String inputIndent = childIndent + (kids.isEmpty() ? "    " : "|   ");
        value(out, inputIndent, r.inputs());
        for (int i = 0; i < kids.size(); i++) {
            node(out, kids.get(i), childIndent, i == kids.size() - 1, children, depth + 1);
        }
    }

    /** Writes the entries of a map, one per line, nesting maps and lists of maps. */
    private static void value(StringBuilder out, String indent, Map<?, ?> map) {
        new java.util.TreeMap<>(stringKeys(map)).forEach((k, v) -> {
            if (isEmpty(v)) {
                return;
            }
            out.append(indent).append(k).append(':');
            block(out, indent, v);
        });
    }

    private static void block(StringBuilder out, String indent, Object v) {
        if (v instanceof Map<?, ?> m && !inlineMap(m)) {
            out.append('\n');
            value(out, indent + "  ", m);
        } else if (v instanceof List<?> l && !inlineList(l)) {
            out.append('\n');
            for (Object item : l) {
                out.append(indent).append("  -");
                if (item instanceof Map<?, ?> m && !m.isEmpty()) {
                    // The first entry sits on the dash line, the rest align with it (YAML style).
                    StringBuilder sub = new StringBuilder();
                    value(sub, indent + "    ", m);
                    out.append(' ').append(sub.substring(indent.length() + 4));
                } else {
                    block(out, indent + "  ", item);
                }
            }
        } else {
            out.append(' ').append(scalar(v)).append('\n');
        }
    }

    /** Small maps of scalars (labels, health check ports) fit on one line and repeat less. */
    private static boolean inlineMap(Map<?, ?> m) {
        for (Object o : m.values()) {
            if (o instanceof Map<?, ?> || o instanceof List<?>) {
                return false;
            }
        }
        return scalar(m).length() <= MAX_INLINE_LIST;
    }

    private static boolean inlineList(List<?> l) {
        for (Object o : l) {
            if (o instanceof Map<?, ?> || o instanceof List<?>) {
                return false;
            }
        }
        return l.stream().mapToInt(o -> scalar(o).length() + 2).sum() <= MAX_INLINE_LIST;
    }

    /** One-line form of a scalar (or an inline list of scalars). */
    static String scalar(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(scalar(l.get(i)));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            new java.util.TreeMap<>(stringKeys(m)).forEach((k, x) ->
                    sb.append(sb.length() == 1 ? "" : ", ").append(k).append(": ").append(scalar(x)));
            return sb.append('}').toString();
        }
        if (v instanceof Number n) {
            return String.valueOf(CanonicalJson.compact(n));
        }
        if (v instanceof String s) {
            return abbreviate(s);
        }
        return String.valueOf(v);
    }

    /** Short strings as they are; long or multi-line ones as their size and a sha256 prefix. */
    public static String abbreviate(String s) {
        if (s.length() <= MAX_INLINE && s.indexOf('\n') < 0) {
            return s;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return "<" + bytes.length + " bytes sha256:" + sha256(bytes).substring(0, 12) + ">";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static boolean isEmpty(Object v) {
        return v == null || (v instanceof Map<?, ?> m && m.isEmpty()) || (v instanceof List<?> l && l.isEmpty());
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }
}
