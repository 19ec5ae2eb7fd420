package dev.mediaplane.agent.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes a tap the way FreeSWITCH's media bug does with enable_file_write_buffering=false: no header, one
 * 20 ms frame of interleaved 16-bit stereo appended per read, each frame in one write(2) (libsndfile's
 * sf_writef_short), optionally split in two writes to stand for a reader catching the writer mid-frame.
 * Keeps every byte written and when each frame was complete.
 */
final class FakeTap implements AutoCloseable {
    final Path file;
    final int frameBytes;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final List<Long> frameDoneNanos = Collections.synchronizedList(new ArrayList<>());
    private final Random random;
    private final ScheduledExecutorService exec;
    private final boolean ownExec;
    private final java.util.concurrent.ScheduledFuture<?> task;
    private OutputStream out;
    volatile boolean splitWrites;
    private volatile long pausedUntil;
    private volatile boolean stopped;

    FakeTap(Path file, int frameBytes) throws IOException {
        this(file, frameBytes, null, 0);
    }

    /**
     * @param shared the writer threads of many taps (a benchmark's 200 calls need not be 200 threads); null: its own
     * @param phaseMs when the first frame is written: real calls' 20 ms clocks are not aligned with each other
     */
    FakeTap(Path file, int frameBytes, ScheduledExecutorService shared, long phaseMs) throws IOException {
        this.file = file;
        this.ownExec = shared == null;
        this.exec = shared != null ? shared : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-tap");
            t.setDaemon(true);
            return t;
        });
        this.frameBytes = frameBytes;
        this.random = new Random(file.getFileName().toString().hashCode()); // each call its own audio
        Files.createDirectories(file.getParent());
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        task = exec.scheduleAtFixedRate(this::frame, phaseMs, 20, TimeUnit.MILLISECONDS);
    }

    private synchronized void frame() {
        if (stopped || System.nanoTime() < pausedUntil) {
            return;
        }
        byte[] f = new byte[frameBytes];
        random.nextBytes(f);
        try {
            if (splitWrites) {
                out.write(f, 0, 3); // a cut inside a sample of the first frame
                out.flush();
                Thread.sleep(3);
                out.write(f, 3, f.length - 3);
            } else {
                out.write(f);
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            stopped = true;
            return;
        }
        written.write(f, 0, f.length);
        frameDoneNanos.add(System.nanoTime());
    }

    /** No frames for a while (a call on hold with no media). */
    void pause(long ms) {
        pausedUntil = System.nanoTime() + ms * 1_000_000;
    }

    /** uuid_record stop, or the hangup: the media bug's close flushes and closes the file. */
    synchronized void stop() throws IOException {
        if (!stopped) {
            stopped = true;
            out.close();
        }
        task.cancel(false);
        if (ownExec) {
            exec.shutdownNow();
        }
    }

    synchronized byte[] bytes() {
        return written.toByteArray();
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
