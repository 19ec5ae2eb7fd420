package dev.mediaplane.agent.recordings;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Test recordings: WAV files as FreeSWITCH writes them (RIFF, a fmt chunk, optional extra chunks, data). */
public final class TestWav {

    public static final int PCM = 1;
    public static final int ALAW = 6;
    public static final int MULAW = 7;

    private TestWav() {}

    /**
     * @param format WAVE_FORMAT tag (1 PCM, 6 A-law, 7 mu-law)
     * @param listChunk put a LIST chunk (odd size, so padding matters) between fmt and data
     * @param seed makes every recording's bytes distinct
     */
    public static byte[] make(int format, int sampleRate, int channels, int millis, boolean listChunk, long seed) {
        int bits = format == PCM ? 16 : 8;
        int blockAlign = channels * bits / 8;
        int dataBytes = (int) ((long) sampleRate * millis / 1000) * blockAlign;
        byte[] data = new byte[dataBytes];
        new Random(seed).nextBytes(data);
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        ByteBuffer fmt = le(16).putShort((short) format).putShort((short) channels).putInt(sampleRate)
                .putInt(sampleRate * blockAlign).putShort((short) blockAlign).putShort((short) bits);
        chunk(chunks, "fmt ", fmt.array());
        if (listChunk) {
            chunk(chunks, "LIST", "INFOISFT\u0005\u0000\u0000\u0000mp-fs".getBytes(StandardCharsets.ISO_8859_1));
        }
        chunk(chunks, "data", data);
        byte[] body = chunks.toByteArray();
        ByteBuffer riff = le(12 + body.length);
        riff.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(4 + body.length)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put(body);
        return riff.array();
    }

    private static void chunk(ByteArrayOutputStream out, String id, byte[] payload) {
        ByteBuffer b = le(8 + payload.length + (payload.length & 1));
        b.put(id.getBytes(StandardCharsets.US_ASCII)).putInt(payload.length).put(payload);
        out.writeBytes(b.array());
    }

    private static ByteBuffer le(int size) { return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN); }
}
