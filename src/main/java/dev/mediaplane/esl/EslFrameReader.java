package dev.mediaplane.esl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads ESL frames: {@code Name: value\n} header lines ended by an empty line, then exactly
 * {@code Content-Length} bytes of body. That is how mod_event_socket.c writes every message
 * (listener_run's {@code command/reply}, api_exec's {@code api/response}, read_packet's
 * {@code Content-Length: N\nContent-Type: text/event-*\n\n} before each event) and how it parses
 * what it receives (read_packet: lines until two newlines, {@code \r} ignored, then a body of
 * Content-Length bytes).
 *
 * <p>Reads block on the stream, so a frame split across any number of TCP segments (down to one
 * byte each) is reassembled. The body is bounded by {@code maxBodyBytes}: a Content-Length that is
 * not a number, negative or over the bound is a {@link EslException.Kind#PROTOCOL} error rather
 * than an allocation (read_packet itself rejects anything over its MAX_CONTENT_LENGTH, 16 MiB).
 * Not thread-safe: one reader thread per connection.
 */
public final class EslFrameReader {

    /** mod_event_socket.c's MAX_CONTENT_LENGTH: the largest body it accepts itself. */
    public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
    /** Header blocks are a few hundred bytes; 64 KiB is far past anything FreeSWITCH writes. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private final InputStream in;
    private final int maxBodyBytes;

    public EslFrameReader(InputStream in, int maxBodyBytes) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
        }
        this.in = in;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The next frame, or null on a clean end of stream between frames.
     *
     * @throws EslException PROTOCOL for bad framing, DISCONNECTED when the stream ends mid-frame
     */
    public EslMessage read() throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int headerBytes = 0;
        boolean started = false;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (!started && line.size() == 0) {
                    return null;
                }
                throw new EslException(EslException.Kind.DISCONNECTED,
                        "connection closed in the middle of a frame's headers (" + headerBytes + " bytes read)");
            }
            if (++headerBytes > MAX_HEADER_BYTES) {
                throw new EslException(EslException.Kind.PROTOCOL,
                        "frame headers exceed " + MAX_HEADER_BYTES + " bytes without an empty line: not an ESL peer?");
            }
            if (b == '\r') {
                continue;
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            if (line.size() == 0) {
                if (!started) {
                    continue; // read_packet skips stray newlines before a frame; so do we
                }
                break;
            }
            started = true;
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new EslException(EslException.Kind.PROTOCOL,
                        "malformed header line '" + abbreviate(text) + "': expected 'Name: value'");
            }
            headers.put(text.substring(0, colon).trim(), text.substring(colon + 1).stripLeading());
        }
        byte[] body = new byte[0];
        String lengthText = headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Length"))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        if (lengthText != null) {
            int length = parseLength(lengthText, maxBodyBytes);
            body = in.readNBytes(length);
            if (body.length < length) {
                throw new EslException(EslException.Kind.DISCONNECTED, "connection closed after " + body.length
                        + " of " + length + " body bytes of a '" + headers.getOrDefault("Content-Type", "?") + "' frame");
            }
        }
        return new EslMessage(headers, body);
    }

    /** Parses a Content-Length value: decimal digits only, 0..max. */
    static int parseLength(String value, int max) throws EslException {
        String v = value.trim();
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new EslException(EslException.Kind.PROTOCOL,
                    "Content-Length must be a number of bytes 0.." + max + ", got '" + abbreviate(v) + "'");
        }
        long n = Long.parseLong(v);
        if (n > max) {
            throw new EslException(EslException.Kind.PROTOCOL,
                    "Content-Length " + n + " exceeds the limit of " + max + " bytes (maxFrameBytes)");
        }
        return (int) n;
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
