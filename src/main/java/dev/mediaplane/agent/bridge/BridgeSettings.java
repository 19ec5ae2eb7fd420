package dev.mediaplane.agent.bridge;

import dev.mediaplane.esl.EslClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * The streaming bridge's settings.
 *
 * @param streamsDir where FreeSWITCH writes the live tap (tmpfs); default /run/mediaplane/streams
 * @param recordingsDir the recordings root; the transcript lands next to the recording; default /var/lib/mediaplane/recordings
 * @param secretsDir where boot writes the provider keys ({@code deepgram-api-key}, {@code assemblyai-api-key}); default /etc/mediaplane/secrets
 * @param defaultProvider the stack's provider for {@code mp_stream_to_ai=on}; null: a call must name one
 * @param sampleRate of the tap: the call's codec rate (FreeSWITCH ignores the .r16 extension when writing); default 8000
 * @param channels 2 with RECORD_STEREO (left caller, right callee), else 1; default 2
 * @param frame the tailer's pacing unit (FreeSWITCH writes one 20 ms frame per read); default 20 ms
 * @param maxBuffered audio kept per provider session (unsent plus sent-not-acknowledged); older audio is dropped; default 30 s
 * @param keepAlive idle time after which a KeepAlive is sent where the provider has one; default 4 s
 * @param closeTimeout how long the provider has to answer the close sequence; default 10 s
 * @param backoff reconnect backoff (same shape as the ESL client's); default 500 ms .. 30 s
 * @param refusedKeyRetryAfter after a 401/403, new streams with the same key wait this long before trying again; default 5 min
 * @param deepgram Deepgram live settings
 * @param assemblyAi AssemblyAI Universal Streaming v3 settings
 * @param tls TLS context for the websockets; null: the JDK default (the system trust store, hostname verified)
 */
public record BridgeSettings(Path streamsDir, Path recordingsDir, Path secretsDir, Provider defaultProvider, int sampleRate,
                             int channels, Duration frame, Duration maxBuffered, Duration keepAlive, Duration closeTimeout,
                             EslClient.Backoff backoff, Duration refusedKeyRetryAfter, Deepgram deepgram,
                             AssemblyAi assemblyAi, SSLContext tls) {

    public BridgeSettings {
        Objects.requireNonNull(streamsDir, "streamsDir");
        Objects.requireNonNull(recordingsDir, "recordingsDir");
        Objects.requireNonNull(secretsDir, "secretsDir");
        if (sampleRate != 8000 && sampleRate != 16000 && sampleRate != 24000 && sampleRate != 48000) {
            throw new IllegalArgumentException("bridge.sampleRate must be 8000, 16000, 24000 or 48000, got " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("bridge.channels must be 1 or 2, got " + channels);
        }
        positive("bridge.frame", frame);
        if (frame.toMillis() < 10 || frame.toMillis() > 100 || frame.toNanos() % 1_000_000 != 0) {
            throw new IllegalArgumentException("bridge.frame must be 10..100 whole ms, got " + frame);
        }
        positive("bridge.maxBuffered", maxBuffered);
        positive("bridge.keepAlive", keepAlive);
        positive("bridge.closeTimeout", closeTimeout);
        positive("bridge.refusedKeyRetryAfter", refusedKeyRetryAfter);
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(deepgram, "deepgram");
        Objects.requireNonNull(assemblyAi, "assemblyAi");
        if (maxBuffered.compareTo(frame.multipliedBy(10)) < 0) {
            throw new IllegalArgumentException("bridge.maxBuffered must hold at least 10 frames (" + frame.multipliedBy(10)
                    + "), got " + maxBuffered);
        }
    }

    /** The node's paths and the providers' production endpoints. */
    public static BridgeSettings defaults() {
        return new BridgeSettings(Path.of("/run/mediaplane/streams"), Path.of("/var/lib/mediaplane/recordings"),
                Path.of("/etc/mediaplane/secrets"), null, 8000, 2, Duration.ofMillis(20), Duration.ofSeconds(30),
                Duration.ofSeconds(4), Duration.ofSeconds(10), EslClient.Backoff.defaults(), Duration.ofMinutes(5),
                Deepgram.defaults(), AssemblyAi.defaults(), null);
    }

    /** Bytes of one sample frame (all channels). */
    public int blockAlign() {
        return 2 * channels;
    }

    /** Bytes of one pacing frame of the tap. */
    public int frameBytes() {
        return (int) (sampleRate * frame.toMillis() / 1000) * blockAlign();
    }

    public BridgeSettings withDirs(Path streams, Path recordings, Path secrets) {
        return new BridgeSettings(streams, recordings, secrets, defaultProvider, sampleRate, channels, frame, maxBuffered,
                keepAlive, closeTimeout, backoff, refusedKeyRetryAfter, deepgram, assemblyAi, tls);
    }

    public BridgeSettings withEndpoints(URI deepgramBase, URI assemblyAiBase, SSLContext tlsContext) {
        return new BridgeSettings(streamsDir, recordingsDir, secretsDir, defaultProvider, sampleRate, channels, frame,
                maxBuffered, keepAlive, closeTimeout, backoff, refusedKeyRetryAfter, deepgram.withBase(deepgramBase),
                assemblyAi.withBase(assemblyAiBase), tlsContext);
    }

    public BridgeSettings withTimings(Duration buffered, Duration keepAliveAfter, Duration close, EslClient.Backoff b) {
        return new BridgeSettings(streamsDir, recordingsDir, secretsDir, defaultProvider, sampleRate, channels, frame,
                buffered, keepAliveAfter, close, b, refusedKeyRetryAfter, deepgram, assemblyAi, tls);
    }

    public BridgeSettings withDeepgram(Deepgram d) {
        return new BridgeSettings(streamsDir, recordingsDir, secretsDir, defaultProvider, sampleRate, channels, frame,
                maxBuffered, keepAlive, closeTimeout, backoff, refusedKeyRetryAfter, d, assemblyAi, tls);
    }

    public BridgeSettings withDefaultProvider(Provider p) {
        return new BridgeSettings(streamsDir, recordingsDir, secretsDir, p, sampleRate, channels, frame, maxBuffered,
                keepAlive, closeTimeout, backoff, refusedKeyRetryAfter, deepgram, assemblyAi, tls);
    }

    static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
        }
    }

    static URI checkWss(String key, URI base) {
        if (base == null || !"wss".equals(base.getScheme()) || base.getHost() == null || base.getRawQuery() != null) {
            throw new IllegalArgumentException(key + " must be a wss:// URL without a query (TLS only), got '" + base + "'");
        }
        return base;
    }

    /**
     * Deepgram live streaming ({@code /v1/listen}).
     *
     * @param base the endpoint; default wss://api.deepgram.com/v1/listen
     * @param model the {@code model} parameter; default nova-3
     * @param options further query parameters (e.g. punctuate=true, language=en); default interim_results=true, punctuate=true
     * @param messageMillis audio per binary message, rounded up to a multiple of the frame (Deepgram takes 20..250);
     *     fewer messages cost less CPU (a websocket frame, a TLS record and a send chain each) and a frame waits up to
     *     {@code messageMillis - frame} for its message; default 80 (write -> send p95 about 80 ms: inside the
     *     100 ms target with room for the tick and a busy core; docs/streaming.md)
     */
    public record Deepgram(URI base, String model, Map<String, String> options, int messageMillis) {
        public Deepgram {
            if (messageMillis < 20 || messageMillis > 250) {
                throw new IllegalArgumentException("bridge.deepgram.messageMillis must be 20..250, got " + messageMillis);
            }
            checkWss("bridge.deepgram.base", base);
            if (model == null || !model.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("bridge.deepgram.model must be of A-Z a-z 0-9 . _ -, got '" + model + "'");
            }
            options = Map.copyOf(new LinkedHashMap<>(options));
            for (String k : options.keySet()) {
                if (!k.matches("[a-z_]{1,40}") || java.util.Set.of("encoding", "sample_rate", "channels", "multichannel").contains(k)) {
                    throw new IllegalArgumentException("bridge.deepgram.options key must be a Deepgram option other than "
                            + "encoding, sample_rate, channels, multichannel (the bridge sets those), got '" + k + "'");
                }
            }
        }

        public static Deepgram defaults() {
            return new Deepgram(URI.create("wss://api.deepgram.com/v1/listen"), "nova-3",
                    Map.of("interim_results", "true", "punctuate", "true"), 80);
        }

        Deepgram withBase(URI b) {
            return new Deepgram(b, model, options, messageMillis);
        }

        public Deepgram withMessageMillis(int ms) {
            return new Deepgram(base, model, options, ms);
        }
    }

    /**
     * AssemblyAI Universal Streaming v3 ({@code /v3/ws}); mono only, so one session per channel.
     *
     * @param base the endpoint; default wss://streaming.assemblyai.com/v3/ws
     * @param speechModel the required {@code speech_model}; default universal-streaming-english
     * @param messageMillis audio per binary message, 50..1000 as the service requires; default 60 (three 20 ms frames)
     * @param formatTurns ask for formatted final turns (the final is then the formatted Turn); default false
     */
    public record AssemblyAi(URI base, String speechModel, int messageMillis, boolean formatTurns) {
        public AssemblyAi {
            checkWss("bridge.assemblyai.base", base);
            if (speechModel == null || !speechModel.matches("[a-z0-9-]{1,64}")) {
                throw new IllegalArgumentException("bridge.assemblyai.speechModel must be of a-z 0-9 -, got '" + speechModel + "'");
            }
            if (messageMillis < 50 || messageMillis > 1000) {
                throw new IllegalArgumentException("bridge.assemblyai.messageMillis must be 50..1000 (the service's bounds), got "
                        + messageMillis);
            }
        }

        public static AssemblyAi defaults() {
            return new AssemblyAi(URI.create("wss://streaming.assemblyai.com/v3/ws"), "universal-streaming-english", 60, false);
        }

        AssemblyAi withBase(URI b) {
            return new AssemblyAi(b, speechModel, messageMillis, formatTurns);
        }
    }
}
