package dev.mediaplane.esl;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A FreeSWITCH event, decoded from {@code text/event-plain} or {@code text/event-json}; both give
 * equal objects for the same event.
 *
 * <p>Plain (switch_event.c, switch_event_serialize with encode=TRUE): one {@code Name: value\n}
 * line per header, the value URL-encoded by switch_url_encode (every byte outside {@code ' '..'~'},
 * i.e. each byte of a UTF-8 sequence, and the SWITCH_URL_UNSAFE characters become {@code %XX};
 * an existing {@code %XX} is left alone; an empty value is written {@code _undef_}); then either
 * {@code \n}, or {@code Content-Length: N\n\n} and N body bytes. JSON (switch_event_serialize_json_obj):
 * one string member per header, an array for multi-valued headers, and {@code Content-Length} plus
 * {@code _body} when there is a body. Multi-valued headers are kept in FreeSWITCH's own plain form,
 * {@code ARRAY::a|:b}, in both cases.
 */
public final class EslEvent {

    private final Map<String, String> headers;
    private final String body;

    EslEvent(Map<String, String> headers, String body) {
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body;
    }

    /** Event-Name, e.g. RECORD_STOP; for CUSTOM events, CUSTOM. Empty when absent. */
    public String name() {
        String n = headers.get("Event-Name");
        return n == null ? "" : n;
    }

    /** The header's decoded value, or null; the name is matched case-insensitively. */
    public String header(String name) {
        return headers.get(name);
    }

    /** All decoded headers, case-insensitive keys. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The event body (e.g. a BACKGROUND_JOB's output), or null when the event has none. */
    public String body() {
        return body;
    }

    /**
     * Decodes a {@code text/event-plain} body.
     *
     * @throws EslException PROTOCOL when a line has no colon or the inner Content-Length does not fit
     */
    public static EslEvent parsePlain(byte[] data) throws EslException {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int pos = 0;
        while (pos < data.length) {
            int end = indexOf(data, (byte) '\n', pos);
            if (end < 0) {
                end = data.length; // last line without a newline: esl.c keeps it too
            }
            int lineEnd = end > pos && data[end - 1] == '\r' ? end - 1 : end;
            if (lineEnd == pos) {
                pos = end + 1;
                break; // the empty line before a nested body, or the end of the headers
            }
            String line = new String(data, pos, lineEnd - pos, StandardCharsets.US_ASCII);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new EslException(EslException.Kind.PROTOCOL,
                        "malformed event-plain header line '" + EslFrameReader.abbreviate(line) + "'");
            }
            headers.put(line.substring(0, colon), percentDecode(line.substring(colon + 1).stripLeading()));
            pos = end + 1;
        }
        String body = null;
        String length = headers.get("Content-Length");
        if (length != null) {
            int n = EslFrameReader.parseLength(length, Math.max(0, data.length - Math.min(pos, data.length)));
            body = new String(data, Math.min(pos, data.length), n, StandardCharsets.UTF_8);
        }
        return new EslEvent(headers, body);
    }

    /**
     * Decodes a {@code text/event-json} body.
     *
     * @throws EslException PROTOCOL when it is not a JSON object
     */
    public static EslEvent parseJson(String json) throws EslException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new EslException(EslException.Kind.PROTOCOL, "event-json body is not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new EslException(EslException.Kind.PROTOCOL, "event-json body is not valid JSON: " + e.getMessage());
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String body = null;
        for (Map.Entry<String, JsonElement> m : o.entrySet()) {
            JsonElement v = m.getValue();
            if (m.getKey().equals("_body")) {
                body = v.isJsonNull() ? null : v.getAsString();
            } else if (v.isJsonArray()) {
                StringBuilder sb = new StringBuilder("ARRAY::");
                JsonArray a = v.getAsJsonArray();
                for (int i = 0; i < a.size(); i++) {
                    sb.append(i == 0 ? "" : "|:").append(a.get(i).getAsString());
                }
                headers.put(m.getKey(), sb.toString());
            } else if (v.isJsonPrimitive()) {
                headers.put(m.getKey(), v.getAsString());
            }
        }
        return new EslEvent(headers, body);
    }

    /** switch_url_decode: {@code %XX} becomes the byte; the bytes are then read as UTF-8. '+' stays '+'. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) << 4 | hex(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(byte b) {
        return Character.digit(b, 16);
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EslEvent e && headers.equals(e.headers) && Objects.equals(body, e.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(headers, body);
    }

    @Override
    public String toString() {
        return "EslEvent[" + name() + ", Unique-ID=" + headers.get("Unique-ID") + ", " + headers.size() + " headers"
                + (body == null ? "" : ", body=" + body.length() + " chars") + "]";
    }
}
