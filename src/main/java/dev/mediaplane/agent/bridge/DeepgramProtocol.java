package dev.mediaplane.agent.bridge;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Deepgram live streaming: one stereo session with {@code multichannel=true} (results per
 * {@code channel_index}), {@code Authorization: Token <key>}, raw linear16 binary frames, {@code KeepAlive}
 * while idle (the server closes after ~10 s without audio), {@code Finalize} then {@code CloseStream} at the
 * end (the server flushes, sends {@code Metadata} and closes). See docs/streaming.md for the doc references.
 */
final class DeepgramProtocol implements ProviderProtocol {

    private final BridgeSettings.Deepgram settings;

    DeepgramProtocol(BridgeSettings.Deepgram settings) {
        this.settings = settings;
    }

    @Override
    public Provider provider() {
        return Provider.DEEPGRAM;
    }

    @Override
    public boolean monoPerChannel() {
        return false;
    }

    @Override
    public URI uri(int sampleRate, int channels) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("encoding", "linear16");
        q.put("sample_rate", Integer.toString(sampleRate));
        q.put("channels", Integer.toString(channels));
        q.put("multichannel", channels > 1 ? "true" : "false");
        q.put("model", settings.model());
        q.putAll(new TreeMap<>(settings.options())); // sorted: the same settings give the same URL
        return URI.create(settings.base() + "?" + ProviderProtocol.query(q));
    }

    @Override
    public String authorization(String key) {
        return "Token " + key;
    }

    @Override
    public int messageMillis(int frameMillis) {
        int frames = Math.max(1, (settings.messageMillis() + frameMillis - 1) / frameMillis);
        return frames * frameMillis;
    }

    @Override
    public int minMessageMillis() {
        return 0;
    }

    @Override
    public String keepAlive() {
        return "{\"type\":\"KeepAlive\"}";
    }

    @Override
    public List<String> closeMessages() {
        return List.of("{\"type\":\"Finalize\"}", "{\"type\":\"CloseStream\"}");
    }

    /**
     * Reads the message as a stream of tokens (gson's {@link JsonReader}): the few fields a result needs are picked
     * up, everything else is skipped without building a tree (at 200 calls that is ~1,600 messages a second with
     * interim results, and the tree was most of the bridge's allocation after the TLS buffers).
     */
    @Override
    public Parsed parse(String json) {
        try {
            return read(new JsonReader(new StringReader(json)));
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonParseException("not a Deepgram message: " + e.getMessage(), e);
        }
    }

    private static Parsed read(JsonReader r) throws IOException {
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                return Parsed.NOTHING;
            }
        } catch (EOFException empty) {
            return Parsed.NOTHING; // an empty message, as JsonParser reads it (a cut one is an error, below)
        }
        String type = "";
        int channel = 0;
        double start = 0;
        double duration = 0;
        String text = "";
        boolean isFinal = false;
        boolean speechFinal = false;
        String description = "";
        String message = "";
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "type" -> type = string(r);
                case "channel_index" -> channel = firstInt(r);
                case "start" -> start = number(r);
                case "duration" -> duration = number(r);
                case "is_final" -> isFinal = bool(r);
                case "speech_final" -> speechFinal = bool(r);
                case "channel" -> text = transcript(r);
                case "description" -> description = string(r);
                case "message" -> message = string(r);
                default -> r.skipValue();
            }
        }
        r.endObject();
        switch (type) {
            case "Results" -> {
                long startMs = Math.round(start * 1000);
                long endMs = Math.round((start + duration) * 1000);
                return new Parsed(List.of(new Result(channel, startMs, endMs, text, isFinal, speechFinal)), false, null);
            }
            case "Metadata" -> {
                // Sent once, after CloseStream, when the server has flushed everything: the session is over.
                return new Parsed(List.of(), true, null);
            }
            case "Error" -> {
                return new Parsed(List.of(), false, description.isEmpty() ? message : description);
            }
            default -> {
                return Parsed.NOTHING; // SpeechStarted, UtteranceEnd: not transcript
            }
        }
    }

    /** A string or number as text; null (or anything else) is "". */
    private static String string(JsonReader r) throws IOException {
        JsonToken t = r.peek();
        if (t == JsonToken.STRING || t == JsonToken.NUMBER) {
            return r.nextString();
        }
        if (t == JsonToken.BOOLEAN) {
            return Boolean.toString(r.nextBoolean());
        }
        r.skipValue();
        return "";
    }

    private static double number(JsonReader r) throws IOException {
        JsonToken t = r.peek();
        if (t == JsonToken.NUMBER || t == JsonToken.STRING) {
            return r.nextDouble();
        }
        r.skipValue();
        return 0;
    }

    private static boolean bool(JsonReader r) throws IOException {
        JsonToken t = r.peek();
        if (t == JsonToken.BOOLEAN) {
            return r.nextBoolean();
        }
        if (t == JsonToken.STRING) {
            return Boolean.parseBoolean(r.nextString());
        }
        r.skipValue();
        return false;
    }

    /** channel_index: [channel, channels]; 0 when absent or empty. */
    private static int firstInt(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            r.skipValue();
            return 0;
        }
        int c = 0;
        r.beginArray();
        if (r.hasNext()) {
            c = (int) number(r);
        }
        while (r.hasNext()) {
            r.skipValue();
        }
        r.endArray();
        return c;
    }

    /** channel.alternatives[0].transcript; "" when any of it is missing. */
    private static String transcript(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            r.skipValue();
            return "";
        }
        String text = "";
        r.beginObject();
        while (r.hasNext()) {
            if (!r.nextName().equals("alternatives") || r.peek() != JsonToken.BEGIN_ARRAY) {
                r.skipValue();
                continue;
            }
            r.beginArray();
            if (r.hasNext()) {
                if (r.peek() == JsonToken.BEGIN_OBJECT) {
                    r.beginObject();
                    while (r.hasNext()) {
                        if (r.nextName().equals("transcript")) {
                            text = string(r);
                        } else {
                            r.skipValue();
                        }
                    }
                    r.endObject();
                } else {
                    r.skipValue();
                }
            }
            while (r.hasNext()) {
                r.skipValue();
            }
            r.endArray();
        }
        r.endObject();
        return text;
    }

    static String str(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v == null || v.isJsonNull() ? "" : v.getAsString();
    }

    static boolean bool(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && !v.isJsonNull() && v.getAsBoolean();
    }
}
