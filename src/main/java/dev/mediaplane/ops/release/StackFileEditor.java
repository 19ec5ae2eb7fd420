package dev.mediaplane.ops.release;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Changes the values of keys under {@code config:} in a {@code Pulumi.<stack>.yaml}, leaving every
 * other byte of the file as it was: comments, blank lines, key order, quoting and line endings.
 *
 * <p>YAML is parsed (snakeyaml-engine, YAML 1.2 like the Pulumi CLI) only to locate the lines of
 * each key; the edit itself is textual on those lines. A set replaces the value's characters on its
 * line (a trailing comment stays); an absent key is added as one line after a given neighbour, or
 * at the end of {@code config:}; a removal deletes the key's lines. After editing, the result is
 * parsed again and must equal the original config with exactly the requested changes, or nothing is
 * returned. What cannot be edited that way (flow style, multi-line values, anchors, tabs, a key
 * given twice) is refused with the reason.
 */
public final class StackFileEditor {

    /** The file cannot be edited safely; the message says why. */
    public static final class UneditableException extends RuntimeException {
        public UneditableException(String message) {
            super(message);
        }
    }

    /**
     * One change: {@code value} empty removes the key. Values are strings or integers; strings are
     * written plain when YAML reads them back as the same string, double-quoted otherwise.
     *
     * @param key the full config key, e.g. {@code mediaplane:releaseStable}
     * @param value the new value; empty removes the key
     * @param after when the key is absent, add it after this key if present (else at the end of config)
     */
    public record Change(String key, Optional<Object> value, Optional<String> after) {
        public Change {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(after, "after");
            value.ifPresent(v -> {
                if (!(v instanceof String) && !(v instanceof Integer)) {
                    throw new IllegalArgumentException("stack file values are strings or integers, got " + v.getClass());
                }
            });
        }

        public static Change set(String key, Object value) {
            return new Change(key, Optional.of(value), Optional.empty());
        }

        /** Sets the key; when absent it is added right after {@code after}. */
        public static Change set(String key, Object value, String after) {
            return new Change(key, Optional.of(value), Optional.of(after));
        }

        public static Change remove(String key) {
            return new Change(key, Optional.empty(), Optional.empty());
        }

        /** How it reads in a plan: {@code set k = v}, {@code remove k}. */
        public String describe() {
            return value.map(v -> "set " + key + " = " + v).orElse("remove " + key);
        }
    }

    private final String text;
    private final String newline;

    private StackFileEditor(String text) {
        this.text = text;
        this.newline = text.contains("\r\n") ? "\r\n" : "\n";
    }

    /** An editor over the file's text. */
    public static StackFileEditor of(String text) {
        return new StackFileEditor(Objects.requireNonNull(text, "text"));
    }

    /** The current value of each config key, as YAML reads it (null for a key set to null). */
    public Map<String, Object> config() {
        return config(text);
    }

    /**
     * The text with {@code changes} applied in order. Throws {@link UneditableException} when the
     * file's structure cannot be edited safely; a change that changes nothing leaves the text as it is.
     */
    public String apply(List<Change> changes) {
        String current = text;
        Map<String, Object> expected = new LinkedHashMap<>(config(text));
        for (Change change : changes) {
            current = applyOne(current, change);
            if (change.value().isPresent()) {
                expected.put(change.key(), change.value().get());
            } else {
                expected.remove(change.key());
            }
        }
        Map<String, Object> got = config(current);
        if (!got.equals(expected)) {
            // Never hand back a file that reads differently from what was asked.
            throw new UneditableException("the edited file would not read back as intended (expected " + expected
                    + ", read " + got + "); edit it by hand");
        }
        return current;
    }

    // ---- one change ----------------------------------------------------------------------------------

    private String applyOne(String src, Change change) {
        Located doc = locate(src);
        Entry entry = doc.entries.get(change.key());
        List<String> lines = splitKeepingEnds(src);
        if (change.value().isEmpty()) {
            if (entry == null) {
                return src;
            }
            requireWholeLines(doc, entry, lines);
            List<String> out = new ArrayList<>(lines.subList(0, entry.firstLine));
            out.addAll(lines.subList(entry.endLineExclusive, lines.size()));
            return String.join("", out);
        }
        String rendered = scalar(change.value().get());
        if (entry != null) {
            if (!(entry.value instanceof ScalarNode s) || entry.valueLine() != entry.firstLine
                    || entry.endLineExclusive != entry.firstLine + 1 || s.getScalarStyle() == ScalarStyle.LITERAL
                    || s.getScalarStyle() == ScalarStyle.FOLDED) {
                throw new UneditableException(change.key() + " spans several lines or is not a single scalar (line "
                        + (entry.firstLine + 1) + "); make it one 'key: value' line to edit it here");
            }
            String line = lines.get(entry.firstLine);
            int from = offset(line, entry.value.getStartMark().orElseThrow().getColumn());
            int to = offset(line, entry.value.getEndMark().orElseThrow().getColumn());
            if (Objects.equals(config(src).get(change.key()), change.value().get())) {
                return src;
            }
            lines.set(entry.firstLine, line.substring(0, from) + rendered + line.substring(to));
            return String.join("", lines);
        }
        String indent = " ".repeat(doc.keyIndent);
        String newLine = indent + change.key() + ": " + rendered + newline;
        int at;
        Entry neighbour = change.after().map(doc.entries::get).orElse(null);
        if (neighbour != null) {
            requireWholeLines(doc, neighbour, lines);
            at = neighbour.endLineExclusive;
        } else if (doc.last != null) {
            requireWholeLines(doc, doc.last, lines);
            at = doc.last.endLineExclusive;
        } else {
            throw new UneditableException("config: has no keys to place " + change.key() + " beside; add it by hand");
        }
        if (at == lines.size() && !lines.isEmpty() && !lines.get(at - 1).endsWith("\n")) {
            // The file ends without a newline: end the last line before adding ours, and keep the file's habit.
            lines.set(at - 1, lines.get(at - 1) + newline);
            newLine = newLine.substring(0, newLine.length() - newline.length());
        }
        lines.add(at, newLine);
        return String.join("", lines);
    }

    /** An entry is removed or followed by whole lines only: nothing else may share its first or last line. */
    private static void requireWholeLines(Located doc, Entry e, List<String> lines) {
        String first = lines.get(e.firstLine);
        if (!first.substring(0, offset(first, e.keyColumn)).isBlank()) {
            throw new UneditableException(e.key + " shares line " + (e.firstLine + 1) + " with other content; put it on its own line");
        }
    }

    // ---- locating --------------------------------------------------------------------------------------

    /** A config entry and the lines it occupies (0-based; end exclusive; trailing comments and blank lines excluded). */
    private record Entry(String key, Node value, int firstLine, int keyColumn, int endLineExclusive) {
        int valueLine() {
            return value.getStartMark().orElseThrow().getLine();
        }
    }

    private record Located(Map<String, Entry> entries, Entry last, int keyIndent) {}

    private static Located locate(String src) {
        if (src.lines().anyMatch(l -> l.matches("^ *\t.*"))) {
            throw new UneditableException("the file indents with tabs; YAML forbids them and this editor will not guess");
        }
        Node root;
        try {
            root = new Compose(LoadSettings.builder().setUseMarks(true).build()).composeString(src)
                    .orElseThrow(() -> new UneditableException("the file is empty: it has no config: mapping"));
        } catch (YamlEngineException e) {
            throw new UneditableException("the file is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!(root instanceof MappingNode top) || top.getFlowStyle() == FlowStyle.FLOW) {
            throw new UneditableException("the top level is not a block mapping with a config: key");
        }
        MappingNode config = null;
        for (NodeTuple t : top.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("config")) {
                if (!(t.getValueNode() instanceof MappingNode m)) {
                    throw new UneditableException("config: is not a mapping");
                }
                config = m;
            }
        }
        if (config == null) {
            throw new UneditableException("the file has no config: mapping");
        }
        if (config.getFlowStyle() == FlowStyle.FLOW) {
            throw new UneditableException("config: is written in flow style ({...}); write it as a block mapping to edit it here");
        }
        List<String> lines = splitKeepingEnds(src);
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<NodeTuple> tuples = config.getValue();
        Entry last = null;
        int indent = -1;
        for (int i = 0; i < tuples.size(); i++) {
            NodeTuple t = tuples.get(i);
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new UneditableException("config: has a key that is not a plain scalar");
            }
            if (k.getAnchor().isPresent() || t.getValueNode().getAnchor().isPresent()) {
                throw new UneditableException("config key " + k.getValue() + " uses an anchor; anchors are not edited here");
            }
            Mark start = k.getStartMark().orElseThrow();
            if (indent < 0) {
                indent = start.getColumn();
            }
            Mark end = t.getValueNode().getEndMark().orElseThrow();
            // A block collection's end mark sits on the next token (the next key, or the end of the file).
            int endLine = end.getLine() >= lines.size()
                    || lines.get(end.getLine()).substring(0, offset(lines.get(end.getLine()), end.getColumn())).isBlank()
                    ? end.getLine() : end.getLine() + 1;
            // Comments and blank lines after the value belong to what follows: step back over them.
            while (endLine - 1 > start.getLine() && lines.get(endLine - 1).strip().matches("(#.*)?")) {
                endLine--;
            }
            Entry e = new Entry(k.getValue(), t.getValueNode(), start.getLine(), start.getColumn(), endLine);
            if (entries.put(k.getValue(), e) != null) {
                throw new UneditableException("config key " + k.getValue() + " is given twice (line " + (start.getLine() + 1)
                        + "); Pulumi would refuse the file");
            }
            last = e;
        }
        return new Located(entries, last, indent < 0 ? 2 : indent);
    }

    private static Map<String, Object> config(String src) {
        locate(src);
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(src);
        Object config = ((Map<?, ?>) doc).get("config");
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<?, ?>) config).forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** Plain when YAML 1.2 reads it back as the same value, else a double-quoted string. */
    static String scalar(Object value) {
        if (value instanceof Integer i) {
            return i.toString();
        }
        String s = (String) value;
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./@:-]+") && !s.contains(": ")) {
            Object back = new Load(LoadSettings.builder().build()).loadFromString("k: " + s);
            if (back instanceof Map<?, ?> m && s.equals(m.get("k"))) {
                return s;
            }
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\x%02x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Lines with their line endings, so joining them gives the text back exactly. */
    private static List<String> splitKeepingEnds(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                lines.add(s.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** snakeyaml's marks count code points; Java strings count UTF-16 units. */
    private static int offset(String line, int codePoints) {
        return line.offsetByCodePoints(0, Math.min(codePoints, line.codePointCount(0, line.length())));
    }
}
