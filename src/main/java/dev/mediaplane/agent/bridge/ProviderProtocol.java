package dev.mediaplane.agent.bridge;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One provider's websocket protocol: where to connect, how to authenticate, how audio is cut into messages,
 * which text messages keep a session alive and close it, and how results are read. Stateless: a
 * {@link ProviderSession} keeps the state of one connection.
 */
interface ProviderProtocol {

    Provider provider();

    /** True when the provider takes mono only: one session per channel of the tap. */
    boolean monoPerChannel();

    /** The upgrade URL for a session carrying {@code channels} channels at {@code sampleRate}. */
    URI uri(int sampleRate, int channels);

    /** The {@code Authorization} header value; never logged. */
    String authorization(String key);

    /** Audio per binary message. */
    int messageMillis(int frameMillis);

    /** The shortest message the provider takes (the last one is padded with silence up to it); 0: any. */
    int minMessageMillis();

    /** The text message that keeps an idle session open, or null when the provider needs none. */
    String keepAlive();

    /** Text messages that end a session after the last audio, in order. */
    List<String> closeMessages();

    /** Decodes one text message from the provider. */
    Parsed parse(String json);

    /**
     * One result as the provider reports it, in session time.
     *
     * @param channel channel index within the session (0 for a mono session)
     * @param startMs start of the audio it covers, ms since the session's first byte
     * @param endMs end of that audio
     * @param speechFinal Deepgram's speech_final (end of an utterance); AssemblyAI's end_of_turn
     */
    record Result(int channel, long startMs, long endMs, String text, boolean isFinal, boolean speechFinal) {}

    /**
     * What one message said.
     *
     * @param results transcript results, possibly none
     * @param terminal the provider ended the session (AssemblyAI Termination; Deepgram's Metadata after CloseStream)
     * @param error the provider's error description, or null
     */
    record Parsed(List<Result> results, boolean terminal, String error) {
        static final Parsed NOTHING = new Parsed(List.of(), false, null);
    }

    static String query(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    static ProviderProtocol of(Provider p, BridgeSettings s) {
        return switch (p) {
            case DEEPGRAM -> new DeepgramProtocol(s.deepgram());
            case ASSEMBLYAI -> new AssemblyAiProtocol(s.assemblyAi());
        };
    }
}
