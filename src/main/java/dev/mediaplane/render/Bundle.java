package dev.mediaplane.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A rendered release: relative path to bytes. Immutable and identified by {@link #hash()}, the
 * SHA-256 of its manifest ({@code <sha256 of file>  <path>\n} per file, sorted by path, the
 * format of {@code sha256sum}), so a node can verify what it downloads with coreutils alone.
 */
public final class Bundle {
    private final SortedMap<String, byte[]> files;
    private final String manifest;
    private final String hash;

    public Bundle(Map<String, byte[]> files) {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        files.forEach((path, bytes) -> {
            if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.contains("\\")) {
                throw new IllegalArgumentException("bundle path must be relative and inside the bundle, got '" + path + "'");
            }
            copy.put(path, bytes.clone());
        });
        this.files = Collections.unmodifiableSortedMap(copy);
        StringBuilder sb = new StringBuilder();
        this.files.forEach((path, bytes) -> sb.append(sha256(bytes)).append("  ").append(path).append('\n'));
        this.manifest = sb.toString();
        this.hash = sha256(manifest.getBytes(StandardCharsets.UTF_8));
    }

    /** Paths in order; the bytes are copies. */
    public SortedMap<String, byte[]> files() {
        TreeMap<String, byte[]> out = new TreeMap<>();
        files.forEach((p, b) -> out.put(p, b.clone()));
        return out;
    }

    public byte[] file(String path) {
        byte[] b = files.get(path);
        return b == null ? null : b.clone();
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
