package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a recording's RIFF header says: the chunks are walked to {@code fmt } and {@code data} (a
 * {@code LIST} chunk or padding in between is fine, at most 64 chunks). Formats: pcm (1), ieee_float (3),
 * alaw (6), mulaw (7), WAVE_FORMAT_EXTENSIBLE resolved to its subformat, others {@code format_<tag>}.
 * A data size of 0 or 0xFFFFFFFF, or one past the end of the file (a recorder killed mid-call), is
 * repaired from the file size and said so in {@link #note}. A file that is not a WAV gives format
 * {@code unknown} with a note: it is still the evidence as written.
 *
 * @param format the format name, "unknown" when the header could not be read
 * @param sampleRate samples per second; null when unknown
 * @param channels channel count; null when unknown
 * @param bitsPerSample bits per sample; null when unknown
 * @param dataBytes bytes of audio; null when unknown
 * @param durationMs data bytes / byte rate; null when unknown
 * @param note why a value is missing or repaired; null when the header was complete
 */
public record WavInfo(String format, Integer sampleRate, Integer channels, Integer bitsPerSample, Long dataBytes,
                      Long durationMs, String note) {

    private static final int RIFF = 0x46464952;
    private static final int WAVE = 0x45564157;
    private static final int FMT = 0x20746d66;
    private static final int DATA = 0x61746164;

    static WavInfo unknown(String note) {
        return new WavInfo("unknown", null, null, null, null, null, note);
    }

    /** Reads the header of {@code file} (only the chunk headers, never the audio). */
    public static WavInfo read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer b = at(ch, 0, 12);
            if (b.remaining() < 12 || b.getInt(0) != RIFF || b.getInt(8) != WAVE) {
                return unknown("not a RIFF/WAVE file");
            }
            int tag = -1;
            int channels = 0;
            int rate = 0;
            long byteRate = 0;
            int blockAlign = 0;
            int bits = 0;
            long dataOff = -1;
            long dataSize = 0;
            long off = 12;
            for (int i = 0; i < 64 && off + 8 <= size; i++) {
                ByteBuffer h = at(ch, off, 8);
                if (h.remaining() < 8) {
                    break;
                }
                int id = h.getInt(0);
                long csize = Integer.toUnsignedLong(h.getInt(4));
                if (id == FMT && csize >= 16) {
                    ByteBuffer f = at(ch, off + 8, 26);
                    if (f.remaining() < 16) {
                        break;
                    }
                    tag = Short.toUnsignedInt(f.getShort(0));
                    channels = Short.toUnsignedInt(f.getShort(2));
                    rate = f.getInt(4);
                    byteRate = Integer.toUnsignedLong(f.getInt(8));
                    blockAlign = Short.toUnsignedInt(f.getShort(12));
                    bits = Short.toUnsignedInt(f.getShort(14));
                    // WAVE_FORMAT_EXTENSIBLE: the real format is the first 2 bytes of the subformat GUID.
                    if (tag == 0xFFFE && csize >= 40 && f.remaining() >= 26) {
                        tag = Short.toUnsignedInt(f.getShort(24));
                    }
                } else if (id == DATA) {
                    dataOff = off + 8;
                    dataSize = csize;
                    break;
                }
                off = off + 8 + csize + (csize & 1);
            }
            if (tag < 0) {
                return unknown("no fmt chunk");
            }
            String format = switch (tag) {
                case 1 -> "pcm";
                case 3 -> "ieee_float";
                case 6 -> "alaw";
                case 7 -> "mulaw";
                default -> "format_" + tag;
            };
            if (dataOff < 0) {
                return new WavInfo("unknown", null, null, null, null, null, "no data chunk");
            }
            String note = null;
            if (dataSize == 0 || dataSize == 0xFFFFFFFFL || dataOff + dataSize > size) {
                dataSize = size - dataOff;
                note = "data chunk size repaired from file size";
            }
            if (byteRate == 0) {
                byteRate = (long) rate * blockAlign;
            }
            Long duration = byteRate > 0 ? dataSize * 1000 / byteRate : null;
            return new WavInfo(format, rate, channels, bits, dataSize, duration, note);
        }
    }

    private static ByteBuffer at(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }
}
