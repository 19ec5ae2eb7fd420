package dev.mediaplane.agent.recordings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavInfoTest {
    @TempDir Path tmp;

    WavInfo of(byte[] b) throws Exception {
        return WavInfo.read(Files.write(tmp.resolve("f.wav"), b));
    }

    @Test
    void readsFormatsAndSkipsOddSizedChunks() throws Exception {
        WavInfo pcm = of(TestWav.make(TestWav.PCM, 8000, 1, 1500, false, 1));
        assertEquals(new WavInfo("pcm", 8000, 1, 16, 24000L, 1500L, null), pcm);
        WavInfo mulaw = of(TestWav.make(TestWav.MULAW, 16000, 2, 750, true, 1));
        assertEquals(new WavInfo("mulaw", 16000, 2, 8, 24000L, 750L, null), mulaw);
    }

    @Test
    void aPlaceholderDataSizeIsRepairedFromTheFileSize() throws Exception {
        for (int placeholder : new int[] {0, 0xFFFFFFFF}) {
            byte[] b = TestWav.make(TestWav.ALAW, 8000, 1, 1000, false, 9);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(40, placeholder);
            WavInfo w = of(b);
            assertEquals(1000L, w.durationMs());
            assertEquals(8000L, w.dataBytes());
            assertTrue(w.note().contains("repaired"), w.toString());
        }
    }

    @Test
    void extensibleResolvesToItsSubformat() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + 40 + 8 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(40).putShort((short) 0xFFFE).putShort((short) 1).putInt(8000).putInt(16000)
                .putShort((short) 2).putShort((short) 16).putShort((short) 22).putShort((short) 16).putInt(0)
                .putShort((short) 7).put(new byte[14]);
        b.put("data".getBytes()).putInt(16).put(new byte[16]);
        assertEquals("mulaw", of(b.array()).format());
    }

    @Test
    void notAWavIsUnknownWithANote() throws Exception {
        WavInfo w = of("this is not RIFF".getBytes());
        assertEquals("unknown", w.format());
        assertNull(w.sampleRate());
        assertTrue(w.note().contains("not a RIFF"));
        assertEquals("unknown", of(new byte[0]).format());
    }
}
