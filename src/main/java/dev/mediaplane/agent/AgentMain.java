package dev.mediaplane.agent;

import dev.mediaplane.agent.gcp.GoogleClients;
import dev.mediaplane.agent.recordings.RecordingObserver;
import dev.mediaplane.agent.recordings.RecordingPipeline;
import dev.mediaplane.agent.telemetry.Telemetry;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The node agent's entry point (Main-Class of the agent jar):
 * <pre>
 *   java -jar mediaplane-agent.jar [--node-env FILE] [run]          the service
 *   java -jar mediaplane-agent.jar [--node-env FILE] sweep          one sweep now (timer, operator), then exit
 *   java -jar mediaplane-agent.jar [--node-env FILE] upload FILE... these recordings now (no quiet period)
 * </pre>
 * A thin wiring of {@link NodeEnv}, Google's clients, the {@link RecordingPipeline}, the {@link EslClient} and
 * {@link Telemetry}; every ESL event goes to each registered listener in turn (the streaming bridge adds one
 * with {@link #addListener}). Only this package, {@code esl}, {@code render.NodeContract} and their libraries are
 * needed at run time (no Pulumi SDK, FreeMarker, SnakeYAML or picocli: the arguments are parsed here).
 */
public final class AgentMain {

    public static final int EX_OK = 0;
    /** An upload or sweep left work undone (details in the log). */
    public static final int EX_INCOMPLETE = 1;
    /** Bad command line (sysexits EX_USAGE). */
    public static final int EX_USAGE = 64;
    /** A start-up failure that is not configuration (a port taken, ...) (sysexits EX_SOFTWARE). */
    public static final int EX_SOFTWARE = 70;

    /** The events the agent subscribes to: recordings, call counts and quality, liveness. */
    public static final List<String> EVENTS = List.of("RECORD_START", "RECORD_STOP", "CHANNEL_CREATE", "CHANNEL_ANSWER",
            "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY", "HEARTBEAT");

    static final String USAGE = """
            usage: mediaplane-agent [--node-env FILE] [run | sweep | upload FILE...]
              run            follow FreeSWITCH over ESL, upload recordings, serve /metrics /live /ready (default)
              sweep          upload what the recordings directory holds (quiet period applies), republish the outbox
              upload FILE..  upload these recordings now (no quiet period)
              --node-env F   the node's KEY=value file (default /etc/mediaplane/node.env)
            environment: MP_MAX_ATTEMPTS MP_BACKOFF_BASE_MS MP_BACKOFF_MAX_MS MP_PARALLEL MP_QUEUE MP_QUIET_SECONDS
              MP_DISK_PRESSURE_PERCENT MP_DISK_CHECK_SECONDS MP_SWEEP_SECONDS; GCS_ENDPOINT PUBSUB_ENDPOINT GCE_METADATA_HOST
            exit: 0 done, 1 work left on disk, 64 usage, 70 start-up failure, 78 configuration
            """;

    /**
     * What an extension gets at start: the agent's ESL client (api/bgapi commands, state listeners), configuration,
     * log, Google's clients, telemetry (its observers) and the recording pipeline (its hooks).
     */
    public record Context(EslClient esl, NodeEnv env, JsonLog log, GoogleClients clients, Telemetry telemetry,
                          RecordingPipeline pipeline) {}

    /**
     * Something that runs inside the service beside the recording pipeline (the streaming bridge): started once the
     * service is wired, before ESL connects; it returns the listener that receives every ESL event (on the ESL
     * delivery thread: it must not block). Its own threads are its own; it is closed (if AutoCloseable) after ESL
     * and before the pipeline stops.
     */
    @FunctionalInterface
    public interface Extension {
        Consumer<EslEvent> start(Context context) throws Exception;

        /** ESL events it needs beyond {@link AgentMain#EVENTS}; the agent's one subscription is their union. */
        default List<String> events() {
            return List.of();
        }
    }

    private final List<Consumer<EslEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Extension> extensions = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Adds an ESL event listener; called on the ESL delivery thread after telemetry and the pipeline, must not block. */
    public void addListener(Consumer<EslEvent> l) {
        listeners.add(l);
    }

    /** Adds an extension (see {@link Extension}); call before {@link #run}. */
    public void addExtension(Extension e) {
        extensions.add(e);
    }

    public static void main(String[] args) {
        AgentMain agent = new AgentMain();
        agent.addExtension(new BridgeExtension());
        agent.addExtension(new dev.mediaplane.agent.secrets.SecretsExtension());
        System.exit(agent.run(args, System.getenv(), System.out, System.err));
    }

    /** Runs a command as {@link #main} does, with the given environment and streams; returns the exit code. */
    public int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        Path nodeEnvFile = Path.of(NodeContract.STANDARD.paths().nodeEnv());
        String command = "run";
        List<String> files = new ArrayList<>();
        boolean commandSeen = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                return EX_OK;
            } else if (a.equals("--node-env") || a.startsWith("--node-env=")) {
                String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.length ? args[++i] : null;
                if (v == null || v.isEmpty()) {
                    err.print("--node-env needs a file\n" + USAGE);
                    return EX_USAGE;
                }
                nodeEnvFile = Path.of(v);
            } else if (!commandSeen && (a.equals("run") || a.equals("sweep") || a.equals("upload"))) {
                command = a;
                commandSeen = true;
            } else if (command.equals("upload") && !a.startsWith("--")) {
                files.add(a);
            } else {
                err.print("unknown argument '" + a + "'\n" + USAGE);
                return EX_USAGE;
            }
        }
        if (command.equals("upload") && files.isEmpty()) {
            err.print("upload needs at least one FILE\n" + USAGE);
            return EX_USAGE;
        }

        JsonLog bootLog = new JsonLog(out, Clock.systemUTC(), Map.of("component", "agent"));
        NodeEnv env;
        try {
            env = NodeEnv.load(nodeEnvFile, environment);
        } catch (NodeEnv.ConfigException e) {
            return configError(bootLog, e, nodeEnvFile);
        }
        Map<String, String> common = new LinkedHashMap<>();
        common.put("component", "agent");
        common.put("node", env.nodeName());
        JsonLog log = new JsonLog(out, Clock.systemUTC(), common);

        GoogleClients clients;
        try {
            clients = GoogleClients.fromEnvironment(environment, env.project());
        } catch (IllegalArgumentException e) {
            // GoogleClients names the key first: "GCS_ENDPOINT must be a base URL ..., got '...'".
            String m = String.valueOf(e.getMessage());
            String key = m.matches("[A-Z_]+ .*") ? m.substring(0, m.indexOf(' ')) : "PROJECT";
            return configError(log, new NodeEnv.ConfigException(key, environment.getOrDefault(key, env.project()), m), nodeEnvFile);
        }
        try (clients) {
            if (command.equals("run")) {
                return serve(env, clients, log, nodeEnvFile);
            }
            RecordingPipeline pipeline;
            try {
                pipeline = pipeline(env, clients, RecordingObserver.NONE, log);
            } catch (NodeEnv.ConfigException e) {
                return configError(log, e, nodeEnvFile);
            }
            JulToJsonLog jul = JulToJsonLog.install(log, List.of());
            try {
                return command.equals("sweep") ? sweep(pipeline, log) : upload(pipeline, files);
            } finally {
                pipeline.shutdown(Duration.ofSeconds(20));
                jul.uninstall();
            }
        }
    }

    private static RecordingPipeline pipeline(NodeEnv env, GoogleClients clients, RecordingObserver observer, JsonLog log) {
        try {
            return new RecordingPipeline(RecordingPipeline.Settings.of(env), clients.objectStore(env.recordingsBucket()),
                    clients.eventPublisher(env.eventsTopic()), observer, log, Clock.systemUTC());
        } catch (IOException e) {
            throw new NodeEnv.ConfigException("RECORDINGS_DIR", env.recordingsDir().toString(),
                    "a readable directory (" + e.getMessage() + ")");
        }
    }

    private static int sweep(RecordingPipeline pipeline, JsonLog log) {
        try {
            RecordingPipeline.SweepReport r = pipeline.sweep();
            log.info("sweep_finished", Map.of("candidates", r.candidates(), "queued", r.queued(),
                    "skipped_open", r.skippedOpen(), "skipped_recent", r.skippedRecent(), "republished", r.republished()));
            return EX_OK;
        } catch (IOException e) {
            log.error("sweep_failed", Map.of("error", e.toString()));
            return EX_INCOMPLETE;
        }
    }

    private static int upload(RecordingPipeline pipeline, List<String> files) {
        boolean all = true;
        for (String f : files) {
            RecordingPipeline.Outcome o = pipeline.process(Path.of(f).toAbsolutePath(), RecordingPipeline.Trigger.OPERATOR, null, null);
            all &= o == RecordingPipeline.Outcome.UPLOADED;
        }
        return all ? EX_OK : EX_INCOMPLETE;
    }

    /** The service: runs until SIGTERM (or {@link #stop()}), then finishes in-flight verifies and leaves the rest on disk. */
    private int serve(NodeEnv env, GoogleClients clients, JsonLog log, Path nodeEnvFile) {
        long t0 = System.nanoTime();
        EslCredentials credentials;
        try {
            credentials = EslCredentials.fromFsCliConf(env.eslConf());
        } catch (IOException e) {
            // The message names the file, line and key, never the password's value.
            return configError(log, new NodeEnv.ConfigException("ESL_CONF", env.eslConf().toString(),
                    "a readable fs_cli.conf with a [default] profile (" + e.getMessage() + ")"), nodeEnvFile);
        }
        JulToJsonLog jul = JulToJsonLog.install(log, List.of(credentials.password()));
        try {
            return serve(env, clients, log, nodeEnvFile, credentials, t0);
        } finally {
            jul.uninstall();
        }
    }

    private int serve(NodeEnv env, GoogleClients clients, JsonLog log, Path nodeEnvFile, EslCredentials credentials, long t0) {
        RecordingPipeline[] pipelineRef = new RecordingPipeline[1];
        java.util.LinkedHashSet<String> subscribed = new java.util.LinkedHashSet<>(EVENTS);
        for (Extension x : extensions) {
            subscribed.addAll(x.events());
        }
        EslClient esl = new EslClient(credentials, EslClient.Subscription.of(EslConnection.Format.PLAIN, subscribed.toArray(String[]::new)),
                new EslClient.EventListener() {
                    @Override
                    public void onEvent(EslEvent e) {
                        for (Consumer<EslEvent> l : listeners) {
                            try {
                                l.accept(e);
                            } catch (RuntimeException ex) {
                                log.error("listener_failed", Map.of("listener", l.getClass().getName(), "event", e.name(),
                                        "error", ex.toString()));
                            }
                        }
                    }

                    @Override
                    public void lost(EslEvent e) {
                        RecordingPipeline p = pipelineRef[0];
                        if (p != null) {
                            p.requestSweep(); // a RECORD_STOP that found no room: the sweep finds its file
                        }
                    }
                }, options(subscribed));
        NodeContract.Paths paths = NodeContract.STANDARD.paths();
        Path run = Path.of(paths.runDir());
        Telemetry telemetry = new Telemetry(new Telemetry.Settings(env.healthBind(), env.healthPort(), run.resolve(paths.readyMarker()),
                run.resolve(paths.drainingMarker()), env.recordingsDir(), env.sipProfiles(), Path.of("/run/freeswitch/freeswitch.pid"),
                "freeswitch", Path.of("/proc"), esl::api, esl::stats, log, System::nanoTime, Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(15), 20_000));
        RecordingPipeline pipeline;
        try {
            pipeline = pipeline(env, clients, telemetry.recordings(), log);
        } catch (NodeEnv.ConfigException e) {
            return configError(log, e, nodeEnvFile);
        }
        pipelineRef[0] = pipeline;
        listeners.add(0, pipeline::onEvent);
        listeners.add(0, telemetry::onEvent);
        List<Consumer<EslEvent>> started = new ArrayList<>();
        for (Extension x : extensions) {
            try {
                Consumer<EslEvent> l = x.start(new Context(esl, env, log, clients, telemetry, pipeline));
                if (l != null) {
                    listeners.add(l);
                    started.add(l);
                }
            } catch (Exception e) {
                log.error("agent_start_failed", Map.of("extension", x.getClass().getName(), "error", String.valueOf(e.getMessage())));
                closeAll(started, log);
                pipeline.shutdown(Duration.ZERO);
                return EX_SOFTWARE;
            }
        }
        esl.addStateListener((state, cause) -> {
            telemetry.onEslState(state);
            pipeline.onEslState(state);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
            f.put("esl", credentials.host() + ":" + credentials.port());
            if (cause != null) {
                f.put("error", String.valueOf(cause.getMessage()));
            }
            if (state == EslClient.State.CONNECTED) {
                f.put("since_start_ms", (System.nanoTime() - t0) / 1_000_000);
            }
            log.info("esl_state", f);
        });
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopped.countDown();
            try {
                done.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try {
                telemetry.start();
            } catch (IOException e) {
                log.error("agent_start_failed", Map.of("error", String.valueOf(e.getMessage())));
                return EX_SOFTWARE;
            }
            pipeline.start();
            esl.start();
            log.info("agent_started", Map.of("recordings_dir", env.recordingsDir().toString(), "release_hash", env.releaseHash(),
                    "health_port", telemetry.port(), "state_dir", env.stateDir().toString()));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.info("agent_stopping", Map.of("detail", "finishing uploads in flight; the rest stays on disk"));
            return EX_OK;
        } finally {
            esl.close();
            closeAll(started, log);
            pipeline.shutdown(Duration.ofSeconds(20));
            telemetry.close();
            log.info("agent_stopped", Map.of("uptime_ms", (System.nanoTime() - t0) / 1_000_000));
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException exiting) {
                // called from within the shutdown: the hook is what woke us
            }
        }
    }

    /**
     * The client's defaults, with the extensions' control events must-deliver too: {@code API} carries the
     * stream-to-ai control message, which nothing would repeat if it were dropped under load.
     */
    private static EslClient.Options options(java.util.Set<String> subscribed) {
        EslClient.Options d = EslClient.Options.defaults();
        java.util.Set<String> must = new java.util.LinkedHashSet<>(d.mustDeliver());
        if (subscribed.contains("API")) {
            must.add("API");
        }
        return new EslClient.Options(d.connection(), d.backoff(), d.queueCapacity(), d.reserve(), d.backPressure(), must);
    }

    private static void closeAll(List<Consumer<EslEvent>> started, JsonLog log) {
        for (Consumer<EslEvent> l : started) {
            if (l instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("extension_close_failed", Map.of("extension", l.getClass().getName(), "error", String.valueOf(e.getMessage())));
                }
            }
        }
    }

    /** Stops a running service (tests; SIGTERM does the same through the shutdown hook). */
    public void stop() {
        stopped.countDown();
    }

    private static int configError(JsonLog log, NodeEnv.ConfigException e, Path file) {
        log.error("agent_config_error", Map.of("key", e.key, "value", e.value, "allowed", e.allowed, "file", file.toString()));
        return NodeEnv.EX_CONFIG;
    }
}
