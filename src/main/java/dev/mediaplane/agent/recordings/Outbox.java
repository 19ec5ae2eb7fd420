package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The publish marker: {@code <state>/outbox/{org}/{call}/{rec}.manifest.json} exists exactly until Pub/Sub
 * returned a messageId for it. It also holds the manifest between retries, so a retry uploads identical bytes.
 * Entries are written to a temp file, forced to disk and renamed: a crash or a full disk leaves either the old
 * entry or none, never half of one.
 */
public final class Outbox {
    private final Path root;

    public Outbox(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path entry(RecordingPath p) {
        return root.resolve(p.outboxRelative());
    }

    /** The entry's bytes, or null when there is none. */
    public byte[] read(RecordingPath p) throws IOException {
        try {
            return Files.readAllBytes(entry(p));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Replaces the entry atomically. @throws IOException e.g. ENOSPC; the old entry (if any) stays */
    public void write(RecordingPath p, byte[] bytes) throws IOException {
        Path target = entry(p);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp." + ProcessHandle.current().pid() + "." + Thread.currentThread().getId());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    public void remove(Path entry) throws IOException {
        Files.deleteIfExists(entry);
    }

    /** Every entry ({org}/{call}/{rec}.manifest.json), temp files left by a crash excluded. */
    public List<Path> entries() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.find(root, 3, (f, a) -> a.isRegularFile() && f.getNameCount() == root.getNameCount() + 3
                && f.getFileName().toString().endsWith(".manifest.json"))) {
            s.forEach(out::add);
        }
        return out;
    }

    /** Temp files of writes a crash interrupted. */
    public void removeStaleTemps() throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> s = Files.find(root, 3, (f, a) -> a.isRegularFile() && f.getFileName().toString().contains(".manifest.json.tmp."))) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
