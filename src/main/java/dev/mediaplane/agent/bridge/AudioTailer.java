package dev.mediaplane.agent.bridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a headerless 16-bit PCM file while FreeSWITCH appends to it, in whole frames, no faster than real
 * time. A writer's partial frame (or partial sample) is left in the file until the rest arrives; at the end
 * ({@link #drain()}) whatever whole samples remain are returned. Frame {@code n} (from the start offset) is
 * released no earlier than {@code t0 + (n - lead) * frame}, {@code t0} being taken before FreeSWITCH was
 * asked to start the tap (so the writer is never ahead of the schedule but for clock drift and jitter-buffer
 * bursts, which the {@code lead} frames absorb); after a stall the backlog is released at once up to
 * {@code maxBurst} frames, the rest at real-time pace, so a provider never gets more than that ahead of the
 * call's clock.
 *
 * <p>Not thread-safe: one stream's tick calls it.
 */
final class AudioTailer implements AutoCloseable {

    /** A frame of the file: its offset and bytes. */
    record Frame(long offset, byte[] data) {}

    private final Path file;
    private final int frameBytes;
    private final int blockAlign;
    private final long frameNanos;
    private final int maxBurst;
    private final int lead;
    private FileChannel ch;
    private long position;
    private long t0;
    private long released;

    /**
     * @param start the byte offset to begin at (rounded down to a sample frame): 0, or the file's end when picking up
     *     a stream after a restart
     */
    AudioTailer(Path file, int frameBytes, int blockAlign, long frameNanos, int maxBurst, int lead, long start,
                long t0Nanos) {
        this.file = file;
        this.frameBytes = frameBytes;
        this.blockAlign = blockAlign;
        this.frameNanos = frameNanos;
        this.maxBurst = maxBurst;
        this.lead = lead;
        this.position = start - start % blockAlign;
        this.t0 = t0Nanos;
    }

    /** The offset of the next byte to be read. */
    long position() {
        return position;
    }

    /** The file's size now rounded down to a sample frame; 0 while it does not exist. */
    static long alignedSize(Path file, int blockAlign) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            long s = c.size();
            return s - s % blockAlign;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Whole frames written and due by now; empty while the file does not exist yet. */
    List<Frame> poll(long nowNanos) throws IOException {
        if (!open()) {
            return List.of();
        }
        long due = (nowNanos - t0) / frameNanos + 1 + lead - released;
        if (due > maxBurst) {
            t0 += (due - maxBurst) * frameNanos; // far behind: do not let the provider see more than a burst at once
            due = maxBurst;
        }
        long available = (ch.size() - position) / frameBytes;
        int n = (int) Math.min(due, available);
        List<Frame> out = new ArrayList<>(Math.max(n, 0));
        for (int i = 0; i < n; i++) {
            out.add(read(frameBytes));
        }
        released += n;
        return out;
    }

    /** Everything left in whole samples (the writer has stopped): frames, the last possibly shorter. */
    List<Frame> drain() throws IOException {
        if (!open()) {
            return List.of();
        }
        List<Frame> out = new ArrayList<>();
        long left = ch.size() - position;
        left -= left % blockAlign;
        while (left > 0) {
            int n = (int) Math.min(frameBytes, left);
            out.add(read(n));
            left -= n;
        }
        return out;
    }

    private boolean open() throws IOException {
        if (ch == null) {
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        return true;
    }

    private Frame read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("stream file " + file + " shrank under the reader at offset " + position);
            }
        }
        Frame f = new Frame(position, b.array());
        position += n;
        return f;
    }

    @Override
    public void close() throws IOException {
        if (ch != null) {
            ch.close();
        }
    }
}
