package dev.mediaplane.esl;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One ESL frame as read off the socket: header lines, then exactly {@code Content-Length} body
 * bytes. Outer header values are kept as sent: mod_event_socket writes them with plain
 * {@code switch_snprintf} (listener_run, api_exec, send_disconnect), never URL-encoded; only the
 * headers inside a {@code text/event-plain} body are (see {@link EslEvent#parsePlain}).
 */
public final class EslMessage {

    private final Map<String, String> headers;
    private final byte[] body;

    EslMessage(Map<String, String> headers, byte[] body) {
        // Header names are case-insensitive: FreeSWITCH itself looks them up with strcasecmp.
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body;
    }

    /** The header's value, or null when absent; the name is matched case-insensitively. */
    public String header(String name) {
        return headers.get(name);
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The Content-Type header, or "" when absent. */
    public String contentType() {
        String t = headers.get("Content-Type");
        return t == null ? "" : t.trim();
    }

    /** The body bytes (empty when there was no Content-Length). */
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    byte[] rawBody() {
        return body;
    }

    @Override
    public String toString() {
        // Names and sizes only: a reply body may carry anything an api command printed.
        return "EslMessage[" + contentType() + ", headers=" + headers.keySet() + ", body=" + body.length + " bytes]";
    }
}
