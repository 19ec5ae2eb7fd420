package dev.mediaplane.agent;

import dev.mediaplane.agent.bridge.BridgeSettings;
import dev.mediaplane.agent.bridge.StreamBridge;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.esl.EslException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The streaming bridge inside the agent service: a {@link StreamBridge} on the agent's ESL connection (its
 * {@link StreamBridge#EVENTS} added to the one subscription), Google's clients (transcripts into the recordings
 * bucket, turns and evidence on the events topic), the agent's telemetry ({@code mediaplane_stream*} families) and
 * the recording pipeline (the evidence manifest references the call's transcript). {@link StreamBridge#resume()}
 * runs after every ESL connect, on a thread of its own (never on the ESL client's); the bridge is closed after ESL
 * and before the pipeline.
 */
public final class BridgeExtension implements AgentMain.Extension {

    private final UnaryOperator<BridgeSettings> adjust;

    /** The node's bridge: settings from node.env, the providers' production endpoints, the JDK's trust store. */
    public BridgeExtension() {
        this(UnaryOperator.identity());
    }

    /** With the settings adjusted after node.env (tests: stand-in endpoints, their TLS context, short timings). */
    public BridgeExtension(UnaryOperator<BridgeSettings> adjust) {
        this.adjust = adjust;
    }

    /** The bridge's settings from node.env: STREAMS_DIR, STT_KEYS_DIR, STREAM_PROVIDER, RECORDINGS_DIR. */
    public static BridgeSettings settings(NodeEnv env) {
        return BridgeSettings.defaults().withDirs(env.streamsDir(), env.recordingsDir(), env.sttKeysDir())
                .withDefaultProvider(env.streamProvider());
    }

    @Override
    public List<String> events() {
        return StreamBridge.EVENTS;
    }

    @Override
    public Consumer<EslEvent> start(AgentMain.Context ctx) {
        NodeEnv env = ctx.env();
        BridgeSettings settings = adjust.apply(settings(env));
        StreamBridge bridge = new StreamBridge(settings, ctx.esl()::api, ctx.clients().objectStore(env.recordingsBucket()),
                ctx.clients().eventPublisher(env.eventsTopic()), ctx.log(), ctx.telemetry().streams());
        Wired w = new Wired(bridge, ctx.log());
        ctx.esl().addStateListener((state, cause) -> {
            if (state == EslClient.State.CONNECTED) {
                w.resumeSoon();
            }
        });
        // The transcript is uploaded once the provider has closed (closeTimeout) and the upload verified: wait that
        // long and a little more for it, never longer (the manifest then goes without it, the log says why).
        ctx.pipeline().transcripts(new BridgeTranscripts(bridge, settings.closeTimeout().plusSeconds(10)));
        ctx.log().info("stream_bridge_started", Map.of("streams_dir", settings.streamsDir().toString(),
                "keys_dir", settings.secretsDir().toString(),
                "default_provider", settings.defaultProvider() == null ? "none" : settings.defaultProvider().id()));
        return w;
    }

    /** The listener AgentMain forwards every event to; closing it closes the bridge. */
    static final class Wired implements Consumer<EslEvent>, AutoCloseable {
        final StreamBridge bridge;
        private final JsonLog log;
        private final ExecutorService resumer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bridge-resume");
            t.setDaemon(true);
            return t;
        });
        private volatile boolean closed;

        Wired(StreamBridge bridge, JsonLog log) {
            this.bridge = bridge;
            this.log = log;
        }

        @Override
        public void accept(EslEvent e) {
            bridge.onEvent(e);
        }

        void resumeSoon() {
            if (closed) {
                return;
            }
            try {
                resumer.execute(() -> {
                    if (closed) {
                        return;
                    }
                    try {
                        int n = bridge.resume();
                        log.info("stream_resume_finished", Map.of("resumed", n));
                    } catch (EslException e) {
                        // ESL dropped again: the next connect resumes
                        log.warn("stream_resume_failed", Map.of("error", String.valueOf(e.getMessage())));
                    } catch (RuntimeException e) {
                        log.error("stream_resume_failed", Map.of("error", e.toString()));
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // shutting down
            }
        }

        @Override
        public void close() {
            closed = true;
            resumer.shutdown();
            try {
                resumer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bridge.close();
        }
    }

    /** The pipeline's view of the bridge's transcripts. */
    record BridgeTranscripts(StreamBridge bridge, Duration bound) implements dev.mediaplane.agent.recordings.TranscriptSource {
        @Override
        public java.util.Optional<Transcript> await(String callSid, String recordingId) throws InterruptedException {
            return bridge.awaitTranscript(callSid, recordingId, bound)
                    .map(t -> new Transcript(t.object(), t.generation(), t.sha256Hex(), t.sizeBytes()));
        }
    }
}
