package dev.mediaplane.agent.bridge;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AssemblyAI Universal Streaming v3: mono {@code pcm_s16le} sessions (one per channel of the tap),
 * {@code Authorization: <key>}, 50-1000 ms of audio per binary message, {@code Begin}, {@code Turn}
 * ({@code transcript}, {@code end_of_turn}, {@code turn_is_formatted}, {@code words[].start/end} in ms),
 * {@code Termination}; the client sends {@code Terminate}. The v2 realtime API is legacy and not used.
 */
final class AssemblyAiProtocol implements ProviderProtocol {

    private final BridgeSettings.AssemblyAi settings;

    AssemblyAiProtocol(BridgeSettings.AssemblyAi settings) {
        this.settings = settings;
    }

    @Override
    public Provider provider() {
        return Provider.ASSEMBLYAI;
    }

    @Override
    public boolean monoPerChannel() {
        return true;
    }

    @Override
    public URI uri(int sampleRate, int channels) {
        if (channels != 1) {
            throw new IllegalArgumentException("AssemblyAI streaming is mono, got " + channels + " channels");
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("sample_rate", Integer.toString(sampleRate));
        q.put("encoding", "pcm_s16le");
        q.put("speech_model", settings.speechModel());
        if (settings.formatTurns()) {
            q.put("format_turns", "true");
        }
        return URI.create(settings.base() + "?" + ProviderProtocol.query(q));
    }

    @Override
    public String authorization(String key) {
        return key;
    }

    @Override
    public int messageMillis(int frameMillis) {
        int frames = Math.max(1, (settings.messageMillis() + frameMillis - 1) / frameMillis);
        return frames * frameMillis;
    }

    @Override
    public int minMessageMillis() {
        return 50;
    }

    @Override
    public String keepAlive() {
        return null; // only with inactivity_timeout, which the bridge does not set: the tap never stops during a call
    }

    @Override
    public List<String> closeMessages() {
        return List.of("{\"type\":\"Terminate\"}");
    }

    @Override
    public Parsed parse(String json) {
        JsonElement e = JsonParser.parseString(json);
        if (!e.isJsonObject()) {
            return Parsed.NOTHING;
        }
        JsonObject o = e.getAsJsonObject();
        String type = DeepgramProtocol.str(o, "type");
        switch (type) {
            case "Turn" -> {
                JsonArray words = o.has("words") ? o.getAsJsonArray("words") : new JsonArray();
                boolean endOfTurn = DeepgramProtocol.bool(o, "end_of_turn");
                boolean formatted = DeepgramProtocol.bool(o, "turn_is_formatted");
                // With format_turns the service sends the end of turn twice: unformatted, then formatted.
                boolean isFinal = endOfTurn && (!settings.formatTurns() || formatted);
                if (words.isEmpty()) {
                    return Parsed.NOTHING;
                }
                long start = words.get(0).getAsJsonObject().get("start").getAsLong();
                long end = words.get(words.size() - 1).getAsJsonObject().get("end").getAsLong();
                return new Parsed(List.of(new Result(0, start, end, DeepgramProtocol.str(o, "transcript"), isFinal, endOfTurn)),
                        false, null);
            }
            case "Termination" -> {
                return new Parsed(List.of(), true, null);
            }
            case "Error" -> {
                return new Parsed(List.of(), false, DeepgramProtocol.str(o, "error"));
            }
            default -> {
                return Parsed.NOTHING; // Begin, SpeechStarted
            }
        }
    }
}
