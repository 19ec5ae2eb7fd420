package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.recordings.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The local {@code {recording_id}.transcript.jsonl} next to the recording: one JSON object per result,
 * interim and final, appended and flushed as they arrive (a restart keeps what was written). Thread-safe.
 */
final class TranscriptFile {

    private final Path path;

    TranscriptFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    private OutputStream out;

    /** Appends one line and flushes it to the file (no fsync: a crash of the node loses the call anyway). */
    synchronized void append(JsonObject line) throws IOException {
        if (out == null) {
            Files.createDirectories(path.getParent());
            out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }
        out.write((line.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Closes the open handle; a later append opens it again. */
    synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    /** The end (ms) of the latest final result of the given provider's lines; -1 when there is none. */
    synchronized long lastFinalEndMs() throws IOException {
        if (!Files.exists(path)) {
            return -1;
        }
        long end = -1;
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        for (String l : lines) {
            try {
                JsonObject o = JsonParser.parseString(l).getAsJsonObject();
                if (o.has("is_final") && o.get("is_final").getAsBoolean()) {
                    end = Math.max(end, o.get("end_ms").getAsLong());
                }
            } catch (RuntimeException e) {
                // a line cut by a crash: ignored
            }
        }
        return end;
    }

    /** size, md5, crc32c (GCS's big-endian base64) and sha256 of the file as it is now. */
    synchronized ObjectStore.LocalDigest digest() throws IOException {
        MessageDigest md5;
        MessageDigest sha;
        try {
            md5 = MessageDigest.getInstance("MD5");
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        CRC32C crc = new CRC32C();
        long size = 0;
        byte[] buf = new byte[65536];
        try (InputStream in = Files.newInputStream(path)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md5.update(buf, 0, n);
                sha.update(buf, 0, n);
                crc.update(buf, 0, n);
                size += n;
            }
        }
        byte[] c = ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
        return new ObjectStore.LocalDigest(size, Base64.getEncoder().encodeToString(md5.digest()),
                Base64.getEncoder().encodeToString(c), HexFormat.of().formatHex(sha.digest()));
    }
}
