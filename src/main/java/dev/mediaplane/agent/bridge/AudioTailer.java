package dev.mediaplane.agent.bridge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    /**
     * Where read frames go. {@code buf} is the tailer's own buffer, reused by the next poll: a sink copies what it
     * keeps (one copy per frame, and no allocation per frame: at 200 calls that is 10,000 frames a second).
     */
    interface FrameSink {
        void frame(long offset, byte[] buf, int from, int length);
    }

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
    /** Grows to the largest poll (normally the lead plus one frame); never shrinks. */
    private ByteBuffer buf = ByteBuffer.allocate(0);
    /** read(2) calls by {@link #poll} so far (tests: one per message, not per frame). */
    private volatile long reads;

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

    long reads() {
        return reads;
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

    /**
     * Hands {@code sink} the whole frames written and due by now, in order; none while the file does not exist
     * yet. One read(2) per call whatever the number of frames (no stat first: a short read is the writer's end).
     *
     * @return frames handed over
     */
    int poll(long nowNanos, FrameSink sink) throws IOException {
        if (!open()) {
            return 0;
        }
        long due = (nowNanos - t0) / frameNanos + 1 + lead - released;
        if (due > maxBurst) {
            t0 += (due - maxBurst) * frameNanos; // far behind: do not let the provider see more than a burst at once
            due = maxBurst;
        }
        if (due <= 0) {
            return 0;
        }
        int want = (int) due * frameBytes;
        if (buf.capacity() < want) {
            buf = ByteBuffer.allocate(want);
        }
        buf.clear().limit(want);
        int got = ch.read(buf, position);
        reads++; // only the ticker writes it
        int n = Math.max(got, 0) / frameBytes; // a writer's partial frame stays in the file for the next poll
        byte[] a = buf.array();
        for (int i = 0; i < n; i++) {
            sink.frame(position, a, i * frameBytes, frameBytes);
            position += frameBytes;
        }
        released += n;
        return n;
    }

    /**
     * Everything left in whole samples (the writer has stopped): frames, the last possibly shorter.
     *
     * @return bytes handed over
     */
    long drain(FrameSink sink) throws IOException {
        if (!open()) {
            return 0;
        }
        long left = ch.size() - position;
        left -= left % blockAlign;
        long total = 0;
        if (buf.capacity() < frameBytes) {
            buf = ByteBuffer.allocate(frameBytes);
        }
        while (left > 0) {
            int n = (int) Math.min(frameBytes, left);
            buf.clear().limit(n);
            while (buf.hasRemaining()) {
                if (ch.read(buf, position + buf.position()) < 0) {
                    throw new IOException("stream file " + file + " shrank under the reader at offset " + position);
                }
            }
            sink.frame(position, buf.array(), 0, n);
            position += n;
            left -= n;
            total += n;
        }
        return total;
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

    @Override
    public void close() throws IOException {
        if (ch != null) {
            ch.close();
        }
    }
}
