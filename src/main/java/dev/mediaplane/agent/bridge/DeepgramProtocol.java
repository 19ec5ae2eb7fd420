package dev.mediaplane.agent.bridge;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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

    @Override
    public Parsed parse(String json) {
        JsonElement e = JsonParser.parseString(json);
        if (!e.isJsonObject()) {
            return Parsed.NOTHING;
        }
        JsonObject o = e.getAsJsonObject();
        String type = str(o, "type");
        switch (type) {
            case "Results" -> {
                JsonArray idx = o.has("channel_index") ? o.getAsJsonArray("channel_index") : null;
                int channel = idx == null || idx.isEmpty() ? 0 : idx.get(0).getAsInt();
                double start = o.has("start") ? o.get("start").getAsDouble() : 0;
                double duration = o.has("duration") ? o.get("duration").getAsDouble() : 0;
                String text = "";
                JsonObject ch = o.has("channel") ? o.getAsJsonObject("channel") : null;
                if (ch != null && ch.has("alternatives") && !ch.getAsJsonArray("alternatives").isEmpty()) {
                    text = str(ch.getAsJsonArray("alternatives").get(0).getAsJsonObject(), "transcript");
                }
                boolean isFinal = bool(o, "is_final");
                long startMs = Math.round(start * 1000);
                long endMs = Math.round((start + duration) * 1000);
                return new Parsed(List.of(new Result(channel, startMs, endMs, text, isFinal, bool(o, "speech_final"))),
                        false, null);
            }
            case "Metadata" -> {
                // Sent once, after CloseStream, when the server has flushed everything: the session is over.
                return new Parsed(List.of(), true, null);
            }
            case "Error" -> {
                return new Parsed(List.of(), false, str(o, "description").isEmpty() ? str(o, "message") : str(o, "description"));
            }
            default -> {
                return Parsed.NOTHING; // SpeechStarted, UtteranceEnd: not transcript
            }
        }
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
