package dev.mediaplane.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A rendered release: relative path to bytes. Immutable and identified by {@link #hash()}, the
 * SHA-256 of its manifest ({@code <sha256 of file>  <path>\n} per file, sorted by path, the
 * format of {@code sha256sum}), so a node can verify what it downloads with coreutils alone.
 *
 * <p>Every bundle carries {@value #MODES}: {@code <mode> <path>\n} per other file, sorted by path,
 * {@code 0755} for the executables and {@code 0644} for the rest. It is a bundle file like any
 * other, so the manifest (and the release hash) covers it; boot applies it instead of guessing
 * modes from file names.
 */
public final class Bundle {
    private final SortedMap<String, byte[]> files;
    private final Map<String, Path> origins;
    private final String manifest;
    private final String hash;

    /** Name of the mode list inside every bundle. */
    public static final String MODES = "MODES";

    /** A bundle without executables: every file 0644. */
    public Bundle(Map<String, byte[]> files) {
        this(files, Set.of());
    }

    /**
     * A bundle whose {@code executables} (bundle paths, each one of {@code files}) get 0755.
     */
    public Bundle(Map<String, byte[]> files, Set<String> executables) {
        this(files, executables, Map.of());
    }

    /**
     * A bundle some of whose files were read from disk ({@code origins}: bundle path -> the file it
     * was read from), so the program can upload those as file assets rather than as text.
     */
    public Bundle(Map<String, byte[]> files, Set<String> executables, Map<String, Path> origins) {
        this(files, executables, origins, null, null);
    }

    /**
     * A bundle of {@code files} plus the agent jar as {@code jarPath}: its bytes are taken as read (not
     * copied) and its SHA-256 as computed by that read, so 27 MB are neither copied nor hashed again.
     */
    Bundle(Map<String, byte[]> files, Set<String> executables, String jarPath, AgentJar.Read jar) {
        this(withJar(files, jarPath, jar), executables, Map.of(jarPath, jar.path()), jarPath, jar);
    }

    private static Map<String, byte[]> withJar(Map<String, byte[]> files, String jarPath, AgentJar.Read jar) {
        Map<String, byte[]> all = new TreeMap<>(files);
        if (all.put(jarPath, jar.bytes()) != null) {
            throw new IllegalArgumentException("bundle path '" + jarPath + "' is given twice");
        }
        return all;
    }

    private Bundle(Map<String, byte[]> files, Set<String> executables, Map<String, Path> origins, String readPath,
                   AgentJar.Read read) {
        for (String o : origins.keySet()) {
            if (!files.containsKey(o)) {
                throw new IllegalArgumentException("origin '" + o + "' is not a file of the bundle; files: " + files.keySet());
            }
        }
        this.origins = Map.copyOf(origins);
        TreeMap<String, byte[]> copy = new TreeMap<>();
        files.forEach((path, bytes) -> {
            if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.contains("\\")) {
                throw new IllegalArgumentException("bundle path must be relative and inside the bundle, got '" + path + "'");
            }
            if (path.equals(MODES)) {
                throw new IllegalArgumentException("bundle path '" + MODES + "' is reserved for the mode list");
            }
            copy.put(path, path.equals(readPath) ? bytes : bytes.clone());
        });
        for (String x : executables) {
            if (!copy.containsKey(x)) {
                throw new IllegalArgumentException("executable '" + x + "' is not a file of the bundle; files: " + copy.keySet());
            }
        }
        StringBuilder modes = new StringBuilder();
        copy.keySet().forEach(p -> modes.append(executables.contains(p) ? "0755 " : "0644 ").append(p).append('\n'));
        copy.put(MODES, modes.toString().getBytes(StandardCharsets.UTF_8));
        this.files = Collections.unmodifiableSortedMap(copy);
        StringBuilder sb = new StringBuilder();
        this.files.forEach((path, bytes) -> sb.append(path.equals(readPath) ? read.sha256() : sha256(bytes))
                .append("  ").append(path).append('\n'));
        this.manifest = sb.toString();
        this.hash = sha256(manifest.getBytes(StandardCharsets.UTF_8));
    }

    /** Every path, in order (as {@link #files()}, without copying the bytes). */
    public java.util.SortedSet<String> paths() {
        return Collections.unmodifiableSortedSet(new java.util.TreeSet<>(files.keySet()));
    }

    /** Paths in order; the bytes are copies. */
    public SortedMap<String, byte[]> files() {
        TreeMap<String, byte[]> out = new TreeMap<>();
        files.forEach((p, b) -> out.put(p, b.clone()));
        return out;
    }

    /** The file a bundle file was read from (binary files such as the agent jar); empty for rendered ones. */
    public Optional<Path> origin(String path) {
        return Optional.ofNullable(origins.get(path));
    }

    public byte[] file(String path) {
        byte[] b = files.get(path);
        return b == null ? null : b.clone();
    }

    /** Bundle path -> octal mode boot gives it ({@code 0755} or {@code 0644}), from {@value #MODES}. */
    public SortedMap<String, String> modes() {
        TreeMap<String, String> out = new TreeMap<>();
        for (String line : new String(files.get(MODES), StandardCharsets.UTF_8).split("\n")) {
            out.put(line.substring(5), line.substring(0, 4));
        }
        return out;
    }

    /** {@code sha256sum}-format listing of every file; its SHA-256 is the release hash. */
    public String manifest() {
        return manifest;
    }

    /** The release id: 64 lowercase hex characters. */
    public String hash() {
        return hash;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }
}
