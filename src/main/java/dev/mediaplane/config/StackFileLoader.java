package dev.mediaplane.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
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
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Offline loader: reads {@code Pulumi.<stack>.yaml} directly, for the plan and the CLI, which run
 * without the Pulumi engine. {@code secure:} values cannot be decrypted here (no secrets
 * provider); they count as provided secrets and their ciphertext stands in for the value.
 */
public final class StackFileLoader {

    private StackFileLoader() {}

    /** Larger stack files are refused before parsing (the committed ones are about 2 KB). */
    static final int MAX_BYTES = 1 << 20;
    /** Deeper YAML nesting is refused before building the tree (a stack file needs 3 levels). */
    static final int MAX_DEPTH = 32;

    /** Top-level keys of a Pulumi stack file besides {@code config}; the engine reads them, we do not. */
    private static final Set<String> STACK_FILE_KEYS = Set.of("config", "secretsprovider", "encryptedkey", "encryptionsalt",
            "environment");

    /** Loads {@code <dir>/Pulumi.<stack>.yaml}. */
    public static LoadedConfig load(Path projectDir, String stack) {
        Path file = projectDir.resolve("Pulumi." + stack + ".yaml");
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(List.of(String.format("%s is %d bytes; a stack file may hold at most %d", file,
                        Files.size(file), MAX_BYTES)));
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(String.format("stack '%s' has no config file: %s does not exist", stack, file)));
        } catch (IOException e) {
            throw new ConfigException(List.of(String.format("cannot read %s: %s", file, e.getMessage())));
        }
        return parse(stack, file.toString(), decode(file.toString(), bytes));
    }

    /** The text of a UTF-8 file; a malformed byte is reported by its offset, never by the decoder's "Input length". */
    static String decode(String source, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            throw new ConfigException(List.of(String.format("%s is not UTF-8 at byte %d (line %d); save it as UTF-8", source,
                    in.position(), lineAt(bytes, in.position()))));
        }
        decoder.flush(out);
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static int lineAt(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /**
     * Parses the text of a stack file; {@code source} names it in errors. YAML errors give the
     * position and the parser's reason only: its source snippet could show a secret's clear value.
     */
    public static LoadedConfig parse(String stack, String source, String text) {
        if (text.length() > MAX_BYTES) {
            throw new ConfigException(List.of(String.format("%s holds %d characters; a stack file may hold at most %d", source,
                    text.length(), MAX_BYTES)));
        }
        LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(50)
                .setCodePointLimit(MAX_BYTES).setUseMarks(true).build();
        Object doc;
        try {
            doc = new Load(settings) {
                @Override
                protected Composer createComposer(String yaml) {
                    return new Composer(settings, new DepthLimit(source, new ParserImpl(settings, new StreamReader(settings, yaml))));
                }
            }.loadFromString(text);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException(List.of(withheld(yamlError(source, e), source, text)));
        } catch (YamlEngineException e) {
            throw new ConfigException(List.of(withheld(String.format("%s is not valid YAML: %s", source, firstLine(e.getMessage())),
                    source, text)));
        } catch (StackOverflowError e) {
            throw new ConfigException(List.of(String.format("%s nests too deeply to read; a stack file needs 3 levels", source)));
        }
        if (doc == null) {
            doc = Map.of();
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new ConfigException(List.of(String.format("%s must be a YAML map with a 'config:' key", source)));
        }
        List<String> outside = new java.util.ArrayList<>();
        for (Object k : top.keySet()) {
            String key = String.valueOf(k);
            if (!STACK_FILE_KEYS.contains(key)) {
                // A config key indented one level too little lands here; never ignore it silently.
                outside.add(key.contains(":")
                        ? String.format("%s: key '%s' is outside the 'config:' map, so it would be ignored; indent it under config:",
                                source, key)
                        : String.format("%s: unknown top-level key '%s'; a stack file holds %s", source, key,
                                new java.util.TreeSet<>(STACK_FILE_KEYS)));
            }
        }
        if (!outside.isEmpty()) {
            throw new ConfigException(outside);
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

    /**
     * The parser's events as they reach the composer, refused past {@link #MAX_DEPTH} levels: the
     * composer recurses once per level, so the limit holds before the tree is built, in the one
     * pass that builds it.
     */
    private static final class DepthLimit implements Parser {
        private final String source;
        private final Parser parser;
        private int depth;

        DepthLimit(String source, Parser parser) {
            this.source = source;
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID id) {
            return parser.checkEvent(id);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public boolean hasNext() {
            return parser.hasNext();
        }

        @Override
        public Event next() {
            Event e = parser.next();
            if (e.getEventId() == Event.ID.MappingStart || e.getEventId() == Event.ID.SequenceStart) {
                if (++depth > MAX_DEPTH) {
                    int line = e.getStartMark().map(m -> m.getLine() + 1).orElse(0);
                    throw new ConfigException(List.of(String.format("%s nests more than %d levels deep (line %d); a stack file "
                            + "needs 3 (config: key: list)", source, MAX_DEPTH, line)));
                }
            } else if (e.getEventId() == Event.ID.MappingEnd || e.getEventId() == Event.ID.SequenceEnd) {
                depth--;
            }
            return e;
        }
    }

    private static String yamlError(String source, MarkedYamlEngineException e) {
        String where = e.getProblemMark().map(m -> String.format(" at line %d, column %d", m.getLine() + 1, m.getColumn() + 1))
                .orElse("");
        String context = e.getContext() == null ? "" : e.getContext() + ": ";
        return String.format("%s is not valid YAML%s: %s%s", source, where, context, firstLine(e.getProblem()));
    }

    /**
     * The message, unless it quotes any part (4 characters or more) of what a secret key's lines
     * hold: the parser names tokens (an alias, an escape) from the source, and a secret in clear
     * text must never reach the terminal. Then only the position remains.
     */
    static String withheld(String message, String source, String text) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!isSecretKeyLine(lines[i])) {
                continue;
            }
            int indent = indent(lines[i]);
            StringBuilder value = new StringBuilder(lines[i].substring(lines[i].indexOf(':', lines[i].indexOf(':') + 1) + 1));
            for (int j = i + 1; j < lines.length && (lines[j].isBlank() || indent(lines[j]) > indent); j++) {
                value.append('\n').append(lines[j]);
            }
            String v = value.toString().strip();
            for (int k = 0; k + 4 <= v.length(); k++) {
                if (message.contains(v.substring(k, k + 4))) {
                    int at = message.indexOf(':', source.length() + 1);
                    String where = at < 0 ? message : message.substring(0, at);
                    return where + ": the parser's details are withheld because they quote a secret key's value "
                            + "(set secrets with pulumi config set --secret)";
                }
            }
        }
        return message;
    }

    /** A {@code ns:key:} line whose key is a secret's, in any case (a typo'd namespace holds the same secret). */
    private static boolean isSecretKeyLine(String line) {
        String t = line.strip().replace("\t", "");
        int colon = t.indexOf(':');
        int end = colon < 0 ? -1 : t.indexOf(':', colon + 1);
        if (end < 0) {
            return false;
        }
        String key = t.substring(colon + 1, end).replace("\"", "").replace("'", "");
        return java.util.Arrays.stream(NodeSecret.values()).anyMatch(s -> s.configKey().equalsIgnoreCase(key));
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && (line.charAt(n) == ' ' || line.charAt(n) == '\t')) {
            n++;
        }
        return n;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
