package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tailer against a real growing file, on a clock the test moves. */
class AudioTailerTest {
    static final int FRAME = 640; // 20 ms of 8 kHz 16-bit stereo
    static final long MS = 1_000_000;

    @TempDir
    Path tmp;

    record Frame(long offset, byte[] data) {}

    /** What a poll hands over, copied (the tailer reuses its buffer: a frame kept uncopied would change). */
    static List<Frame> poll(AudioTailer t, long now) throws Exception {
        List<Frame> out = new ArrayList<>();
        int n = t.poll(now, (off, buf, from, len) -> out.add(new Frame(off, Arrays.copyOfRange(buf, from, from + len))));
        assertEquals(out.size(), n);
        return out;
    }

    static List<Frame> drain(AudioTailer t) throws Exception {
        List<Frame> out = new ArrayList<>();
        long n = t.drain((off, buf, from, len) -> out.add(new Frame(off, Arrays.copyOfRange(buf, from, from + len))));
        assertEquals(out.stream().mapToLong(f -> f.data().length).sum(), n);
        return out;
    }

    @Test
    void partialWritesAreHeldBackUntilTheFrameIsWhole() throws Exception {
        Path f = tmp.resolve("a.r16");
        Random r = new Random(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        AudioTailer t = new AudioTailer(f, FRAME, 4, 20 * MS, 50, 0, 0, 0);
        assertEquals(List.of(), poll(t, 0), "no file yet");
        try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.APPEND)) {
            long now = 0;
            for (int i = 0; i < 20; i++) {
                byte[] frame = new byte[FRAME];
                r.nextBytes(frame);
                int cut = 1 + r.nextInt(FRAME - 1); // anywhere, inside a sample too
                out.write(frame, 0, cut);
                out.flush();
                for (Frame x : poll(t, now)) {
                    assertEquals(FRAME, x.data().length);
                    assertEquals(read.size(), x.offset());
                    read.write(x.data());
                }
                assertEquals(i * FRAME, read.size(), "a cut frame is not read");
                out.write(frame, cut, FRAME - cut);
                out.flush();
                written.write(frame);
                now += 20 * MS;
                for (Frame x : poll(t, now)) {
                    read.write(x.data());
                }
            }
            out.write(new byte[] {1, 2, 3, 4, 5, 6}); // the writer stops mid-sample: 1 sample and 2 bytes
            written.write(new byte[] {1, 2, 3, 4});
        }
        for (Frame x : drain(t)) {
            read.write(x.data());
        }
        assertArrayEquals(written.toByteArray(), read.toByteArray(), "every whole sample, in order, once");
        t.close();
    }

    @Test
    void framesAreReleasedNoFasterThanRealTimeAndABacklogBurstsAtMostOneSecond() throws Exception {
        Path f = tmp.resolve("b.r16");
        Files.write(f, new byte[FRAME * 300]); // 6 s already there
        AudioTailer t = new AudioTailer(f, FRAME, 4, 20 * MS, 50, 0, 0, 0);
        assertEquals(1, poll(t, 0).size(), "at t0 only the first frame is due");
        assertEquals(10, poll(t, 200 * MS).size(), "200 ms later: ten more frames");
        assertEquals(0, poll(t, 210 * MS).size());
        // A stall of the reader (GC, a slow tick): after 3 s, one second at once, then real time again.
        assertEquals(50, poll(t, 3200 * MS).size());
        assertEquals(1, poll(t, 3220 * MS).size());
        assertEquals(62 * FRAME, t.position());
        AudioTailer lead = new AudioTailer(f, FRAME, 4, 20 * MS, 50, 5, 0, 0);
        assertEquals(6, poll(lead, 0).size(), "a lead of five frames lets a writer that started first through");
        assertEquals(1, poll(lead, 20 * MS).size());
    }

    @Test
    void aResumeStartsAtTheFilesEndOnASampleBoundary() throws Exception {
        Path f = tmp.resolve("c.r16");
        Files.write(f, new byte[FRAME * 10 + 6]);
        long end = AudioTailer.alignedSize(f, 4);
        assertEquals(FRAME * 10 + 4, end);
        AudioTailer t = new AudioTailer(f, FRAME, 4, 20 * MS, 50, 0, end, 0);
        assertEquals(0, poll(t, 0).size());
        Files.write(f, new byte[FRAME], StandardOpenOption.APPEND);
        List<Frame> got = poll(t, 0);
        assertEquals(1, got.size());
        assertEquals(FRAME * 10 + 4, got.get(0).offset());
        assertTrue(AudioTailer.alignedSize(tmp.resolve("missing.r16"), 4) == 0);
    }
}
