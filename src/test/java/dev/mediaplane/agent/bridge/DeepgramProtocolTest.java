package dev.mediaplane.agent.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The token-stream parse of Deepgram's messages reads what a parse into a gson tree reads. */
class DeepgramProtocolTest {

    private final DeepgramProtocol dg = new DeepgramProtocol(BridgeSettings.defaults().deepgram());

    @ParameterizedTest
    @ValueSource(strings = {
        // as the live API sends it (fields, nesting and words the bridge does not read)
        "{\"type\":\"Results\",\"channel_index\":[1,2],\"duration\":1.25,\"start\":3.5,\"is_final\":true,\"speech_final\":false,"
                + "\"channel\":{\"alternatives\":[{\"transcript\":\"hello there\",\"confidence\":0.98,\"words\":[{\"word\":"
                + "\"hello\",\"start\":3.5,\"end\":3.9}]},{\"transcript\":\"second\"}]},\"metadata\":{\"request_id\":\"x\","
                + "\"model_info\":{\"name\":\"nova-3\"}},\"from_finalize\":false}",
        // fields in another order, interim, the transcript before alternatives' other fields
        "{\"channel\":{\"alternatives\":[{\"confidence\":0.5,\"transcript\":\"a \\\"quoted\\\" \\u00e9\"}]},\"is_final\":false,"
                + "\"start\":0.0,\"duration\":0.02,\"type\":\"Results\",\"channel_index\":[0,2]}",
        "{\"type\":\"Results\",\"start\":1,\"duration\":2,\"is_final\":\"true\",\"speech_final\":null}",
        "{\"type\":\"Results\",\"channel_index\":[],\"channel\":{\"alternatives\":[]}}",
        "{\"type\":\"Results\",\"channel\":{\"other\":[1,2,{\"transcript\":\"not this\"}]}}",
        "{\"type\":\"Metadata\",\"request_id\":\"r\",\"duration\":12.5,\"channels\":2}",
        "{\"type\":\"Error\",\"description\":\"bad audio\",\"message\":\"m\"}",
        "{\"type\":\"Error\",\"message\":\"only a message\"}",
        "{\"type\":\"SpeechStarted\",\"channel\":[0],\"timestamp\":1.5}",
        "{\"no_type\":1}",
        "[1,2]",
        "42",
        ""
    })
    void readsWhatTheTreeReads(String json) {
        assertEquals(tree(json), dg.parse(json), json);
    }

    @Test
    void aBrokenMessageIsAnError() {
        for (String bad : List.of("{\"type\":\"Results\",", "{\"type\":\"Results\",\"start\":\"soon\"}", "{\"type\" 1}")) {
            assertThrows(RuntimeException.class, () -> dg.parse(bad), bad);
        }
    }

    /** The parse into a gson tree the bridge used before (the reference). */
    private static ProviderProtocol.Parsed tree(String json) {
        var e = JsonParser.parseString(json);
        if (!e.isJsonObject()) {
            return ProviderProtocol.Parsed.NOTHING;
        }
        JsonObject o = e.getAsJsonObject();
        switch (DeepgramProtocol.str(o, "type")) {
            case "Results" -> {
                JsonArray idx = o.has("channel_index") ? o.getAsJsonArray("channel_index") : null;
                int channel = idx == null || idx.isEmpty() ? 0 : idx.get(0).getAsInt();
                double start = o.has("start") ? o.get("start").getAsDouble() : 0;
                double duration = o.has("duration") ? o.get("duration").getAsDouble() : 0;
                String text = "";
                JsonObject ch = o.has("channel") ? o.getAsJsonObject("channel") : null;
                if (ch != null && ch.has("alternatives") && !ch.getAsJsonArray("alternatives").isEmpty()) {
                    text = DeepgramProtocol.str(ch.getAsJsonArray("alternatives").get(0).getAsJsonObject(), "transcript");
                }
                return new ProviderProtocol.Parsed(List.of(new ProviderProtocol.Result(channel, Math.round(start * 1000),
                        Math.round((start + duration) * 1000), text, DeepgramProtocol.bool(o, "is_final"),
                        DeepgramProtocol.bool(o, "speech_final"))), false, null);
            }
            case "Metadata" -> {
                return new ProviderProtocol.Parsed(List.of(), true, null);
            }
            case "Error" -> {
                String d = DeepgramProtocol.str(o, "description");
                return new ProviderProtocol.Parsed(List.of(), false, d.isEmpty() ? DeepgramProtocol.str(o, "message") : d);
            }
            default -> {
                return ProviderProtocol.Parsed.NOTHING;
            }
        }
    }
}
