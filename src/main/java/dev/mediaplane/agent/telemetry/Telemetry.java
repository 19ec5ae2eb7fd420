package dev.mediaplane.agent.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.bridge.Provider;
import dev.mediaplane.agent.bridge.StreamObserver;
import dev.mediaplane.agent.recordings.RecordingObserver;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.render.NodeContract;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's telemetry: the contract's Prometheus families ({@link NodeContract.Metrics}),
 * {@code /live} and {@code /ready} on one port, and the {@code call_quality} log event per
 * finished call. Fed by ESL events ({@link #onEvent}), ESL state ({@link #onEslState}) and the
 * recording pipeline ({@link #recordings()}); what it must ask FreeSWITCH (profiles, pause state,
 * channel counts) one poll thread asks over ESL at an interval and caches, so an HTTP request
 * never costs an api call.
 */
public final class Telemetry implements AutoCloseable {

    /** An ESL api call ({@link EslClient#api}); throws when FreeSWITCH does not answer. */
    @FunctionalInterface
    public interface Api {
        String api(String command) throws Exception;
    }

    /**
     * @param bind addresses the HTTP port listens on: the node's internal address and 127.0.0.1; never the wildcard
     * @param port the health/metrics port (node.env HEALTH_PORT); 0 picks a free one (tests)
     * @param readyMarker boot's ready marker; /ready is 503 while it is missing
     * @param drainingMarker the drain's marker; /ready is 503 while it exists
     * @param recordingsDir the recordings file system whose use is read at scrape time
     * @param sipProfiles the release's sofia profiles that must be RUNNING for /ready
     * @param freeswitchPidFile FreeSWITCH's pid file; null: find it by {@code freeswitchComm} in procfs
     * @param freeswitchComm FreeSWITCH's process name in {@code /proc/<pid>/comm}
     * @param procRoot the procfs mount, {@code /proc}
     * @param esl api calls on the agent's ESL connection
     * @param eslStats the ESL client's counters ({@link EslClient#stats})
     * @param log the agent's JSON log (call_quality lines)
     * @param nanoTime monotonic clock for freshness of the cached answers
     * @param poll how often status, sofia status and the pause state are asked; default 5 s
     * @param resync how often active calls/sessions are re-read from FreeSWITCH's counts; default 60 s
     * @param liveBound /live needs a {@code status} answer younger than this; default 15 s (three polls)
     * @param maxChannels live channels tracked at most (overflow is counted, not stored); default 20000
     */
    public record Settings(List<InetAddress> bind, int port, Path readyMarker, Path drainingMarker, Path recordingsDir,
                           List<String> sipProfiles, Path freeswitchPidFile, String freeswitchComm, Path procRoot, Api esl,
                           Supplier<EslClient.Stats> eslStats, JsonLog log, LongSupplier nanoTime, Duration poll,
                           Duration resync, Duration liveBound, int maxChannels) {
        public Settings {
            bind = List.copyOf(bind);
            sipProfiles = List.copyOf(sipProfiles);
            if (bind.isEmpty()) {
                throw new IllegalArgumentException("telemetry.bind needs at least one address, got none");
            }
            for (InetAddress a : bind) {
                if (a.isAnyLocalAddress()) {
                    throw new IllegalArgumentException("telemetry.bind must name the node's own addresses, got wildcard "
                            + a.getHostAddress() + " (the port must not face the external interface)");
                }
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("telemetry.port must be 0..65535, got " + port);
            }
            if (maxChannels < 1) {
                throw new IllegalArgumentException("telemetry.maxChannels must be >= 1, got " + maxChannels);
            }
            for (Duration d : List.of(poll, resync, liveBound)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("telemetry poll, resync and liveBound must be > 0, got " + d);
                }
            }
            Objects.requireNonNull(readyMarker, "readyMarker");
            Objects.requireNonNull(drainingMarker, "drainingMarker");
            Objects.requireNonNull(recordingsDir, "recordingsDir");
            Objects.requireNonNull(freeswitchComm, "freeswitchComm");
            Objects.requireNonNull(procRoot, "procRoot");
            Objects.requireNonNull(esl, "esl");
            Objects.requireNonNull(eslStats, "eslStats");
            Objects.requireNonNull(log, "log");
            Objects.requireNonNull(nanoTime, "nanoTime");
        }

        /** The node's settings: paths from the contract, /run/freeswitch/freeswitch.pid, 5 s poll, 60 s resync. */
        public static Settings node(InetAddress internal, int port, List<String> sipProfiles, Api esl,
                                    Supplier<EslClient.Stats> eslStats, JsonLog log) {
            NodeContract.Paths p = NodeContract.STANDARD.paths();
            Path run = Path.of(p.runDir());
            return new Settings(List.of(internal, InetAddress.getLoopbackAddress()), port, run.resolve(p.readyMarker()),
                    run.resolve(p.drainingMarker()), Path.of(p.recordingsDir()), sipProfiles,
                    Path.of("/run/freeswitch/freeswitch.pid"), "freeswitch", Path.of("/proc"), esl, eslStats, log,
                    System::nanoTime, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(15), 20_000);
        }
    }

    // Buckets for the domain. Loss: G.711 is fine below 1 %, audibly worse at 3 %, and the alert fires at 5 %.
    static final double[] LOSS_BUCKETS = {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 50};
    // Jitter against a 20 ms packet time: under a packet is absorbed, 30-50 ms is where the jitter buffer starts to lose.
    static final double[] JITTER_BUCKETS = {1, 2, 5, 10, 20, 30, 50, 100, 200};
    // MOS: FreeSWITCH's E-model tops out near 4.5; 4.0+ is toll quality, below 3.5 users complain, below 2.5 unusable.
    static final double[] MOS_BUCKETS = {1, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5};
    // Upload: the target is p95 <= 250 ms on one attempt; retries with backoff push it to seconds, outages to minutes.
    static final double[] UPLOAD_BUCKETS = {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    private static final Pattern PROFILE_LINE = Pattern.compile("^\\s*(\\S+)\\s+profile\\s+\\S+\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern COUNT = Pattern.compile("(?m)^\\s*(\\d+) total\\.");
    private static final Pattern SAFE_ID = Pattern.compile("[^A-Za-z0-9_-]");

    private final Settings s;
    private final NodeContract contract = NodeContract.STANDARD;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ProcFs proc;
    private final Set<String> registered = new java.util.LinkedHashSet<>();
    private final Map<String, Boolean> channels = new ConcurrentHashMap<>(); // uuid -> counted as an active call
    private final AtomicLong activeCalls = new AtomicLong();
    private final AtomicLong activeSessions = new AtomicLong();
    private final AtomicLong channelOverflow = new AtomicLong();
    private final Counter callsStarted;
    private final Counter callsFinished;
    private final Counter syntheticCallsFinished;
    private final Histogram loss;
    private final Histogram jitter;
    private final Histogram mos;
    private final Counter uploaded;
    private final Histogram uploadLatency;
    private final Counter uploadFailures;
    private final Gauge outbox;
    private final Gauge pending;
    private final Gauge eslConnectedGauge;
    private final Gauge streamsActive;
    private final Counter streamsFinished;
    private final Counter streamAudio;
    private final Counter streamLost;
    private final Counter streamReconnects;
    private final Counter streamResults;
    private final StreamObserver streamObserver;
    /** The bridge's outcomes and loss reasons (StreamObserver's javadoc, CallStream): fixed label values. */
    static final List<String> STREAM_OUTCOMES = List.of("completed", "auth_refused", "failed", "abandoned");
    static final List<String> LOST_REASONS = List.of("overflow", "reconnect", "restart", "close");
    private volatile long lastUsed = -1;
    private volatile long lastTotal = -1;
    private volatile boolean eslConnected;
    private volatile FsState fsState = FsState.UNKNOWN;
    private volatile long fsPid = -1;
    private final List<HttpServer> servers = new ArrayList<>();
    private ScheduledExecutorService poller;
    private ThreadPoolExecutor http;
    private final RecordingObserver observer;

    /** What the last poll learnt from FreeSWITCH; {@code at} is the nanoTime of the last {@code status} answer. */
    record FsState(boolean up, boolean coreReady, boolean pausedInbound, List<String> notRunning, long at, String error) {
        static final FsState UNKNOWN = new FsState(false, false, false, List.of(), Long.MIN_VALUE, "no answer from FreeSWITCH yet");
    }

    public Telemetry(Settings settings) {
        this.s = settings;
        this.proc = new ProcFs(settings.procRoot());
        NodeContract.Metrics m = contract.metrics();
        gaugeCb(m.activeCalls(), cb -> cb.call(Math.max(0, activeCalls.get())));
        gaugeCb(m.activeSessions(), cb -> cb.call(Math.max(0, activeSessions.get())));
        callsStarted = counter(m.callsStarted());
        callsFinished = counter(m.callsFinished());
        syntheticCallsFinished = counter(m.syntheticCallsFinished());
        // Both series from the start: a node that took no test call reports 0, which canary analysis counts.
        syntheticCallsFinished.labelValues("answered");
        syntheticCallsFinished.labelValues("failed");
        loss = histogram(m.callPacketLoss(), LOSS_BUCKETS);
        jitter = histogram(m.callJitter(), JITTER_BUCKETS);
        mos = histogram(m.callMos(), MOS_BUCKETS);
        uploaded = counter(m.recordingsUploaded());
        uploadLatency = histogram(m.uploadLatency(), UPLOAD_BUCKETS);
        uploadFailures = counter(m.uploadFailures());
        outbox = gauge(m.outboxDepth());
        pending = gauge(m.recordingsPending());
        gaugeCb(m.recordingsDiskUsed(), cb -> {
            double r = diskUsedRatio();
            if (r >= 0) {
                cb.call(r);
            }
        });
        counterCb(m.processCpu(), cb -> {
            proc.cpuTicks(ProcessHandle.current().pid()).ifPresent(t -> cb.call(t / ProcFs.CLK_TCK, "agent"));
            freeswitchPid().ifPresent(pid -> proc.cpuTicks(pid).ifPresent(t -> cb.call(t / ProcFs.CLK_TCK, "freeswitch")));
        });
        gaugeCb(m.processMemory(), cb -> {
            proc.residentBytes(ProcessHandle.current().pid()).ifPresent(b -> cb.call(b, "agent"));
            freeswitchPid().ifPresent(pid -> proc.residentBytes(pid).ifPresent(b -> cb.call(b, "freeswitch")));
        });
        eslConnectedGauge = gauge(m.eslConnected());
        counterCb(m.eslEventsDropped(), cb -> {
            EslClient.Stats st = s.eslStats().get();
            cb.call(st == null ? 0 : st.dropped());
        });
        gaugeCb(m.ready(), cb -> cb.call(readiness() == null ? 1 : 0));
        streamsActive = gauge(m.streamsActive());
        streamsFinished = counter(m.streamsFinished());
        streamAudio = counter(m.streamAudioSeconds());
        streamLost = counter(m.streamAudioLost());
        streamReconnects = counter(m.streamReconnects());
        streamResults = counter(m.streamResults());
        for (Provider p : Provider.values()) {
            // Every provider's series exist from the start at 0: rate() and increase() see the first event.
            streamsActive.labelValues(p.id()).set(0);
            streamAudio.labelValues(p.id());
            streamReconnects.labelValues(p.id());
            streamResults.labelValues(p.id(), "interim");
            streamResults.labelValues(p.id(), "final");
            for (String o : STREAM_OUTCOMES) {
                streamsFinished.labelValues(p.id(), o);
            }
            for (String r : LOST_REASONS) {
                streamLost.labelValues(p.id(), r);
            }
        }
        // One series per node secret from the start (0: no version known applied yet, or the refresh is off).
        gaugeCb(m.secretVersion(), cb -> {
            Map<String, Integer> v = secrets.get().versions();
            contract.secrets().stream().filter(x -> x.lands() != NodeContract.Lands.APT)
                    .forEach(x -> cb.call(v.getOrDefault(x.suffix(), 0), x.suffix()));
        });
        if (!registered.equals(new java.util.LinkedHashSet<>(m.all().stream().map(NodeContract.Metric::name).toList()))) {
            throw new IllegalStateException("telemetry registers " + registered + ", the contract declares "
                    + m.all().stream().map(NodeContract.Metric::name).toList());
        }
        this.observer = new Observer();
        this.streamObserver = new Streams();
    }

    /**
     * What the secret refresh has applied: the version per secret name ({@code mediaplane_secret_version}) and a JSON
     * document for {@code /secrets}. Names and numbers only, never a value.
     */
    public interface SecretsReport {
        Map<String, Integer> versions();

        String json();

        SecretsReport NONE = new SecretsReport() {
            @Override
            public Map<String, Integer> versions() {
                return Map.of();
            }

            @Override
            public String json() {
                return "{\"refresh\":\"off\",\"secrets\":{}}";
            }
        };
    }

    private volatile Supplier<SecretsReport> secrets = () -> SecretsReport.NONE;

    /** The agent's secret refresh reports here (metric and {@code /secrets}); before that: no series, refresh off. */
    public void secrets(Supplier<SecretsReport> report) {
        this.secrets = Objects.requireNonNull(report, "report");
    }

    /** The streaming bridge reports here ({@code mediaplane_stream*}). */
    public StreamObserver streams() {
        return streamObserver;
    }

    /** Binds the port on every address, starts the poll thread. */
    public synchronized Telemetry start() throws IOException {
        // Two handler threads: a scrape and a health check at once; 32 more wait. Past that the JDK server's own
        // dispatcher runs the request (a rejection would escape its dispatch loop), which slows accepting instead
        // of growing threads: every handler is short (no ESL call, a few procfs reads).
        http = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(32), daemon("telemetry-http"),
                new ThreadPoolExecutor.CallerRunsPolicy());
        MetricsHandler metrics = new MetricsHandler(registry);
        int port = s.port();
        try {
            for (InetAddress a : s.bind()) {
                HttpServer server = HttpServer.create(new InetSocketAddress(a, port), 16);
                server.createContext("/metrics", metrics);
                server.createContext("/live", ex -> answer(ex, liveness()));
                server.createContext("/ready", ex -> answer(ex, readiness()));
                server.createContext("/secrets", ex -> json(ex, secrets.get().json()));
                server.createContext("/", ex -> text(ex, 404, "use /metrics, /live, /ready or /secrets"));
                server.setExecutor(http);
                server.start();
                servers.add(server);
                port = server.getAddress().getPort(); // with port 0, every address gets the first one's
            }
        } catch (IOException e) {
            close();
            throw new IOException("telemetry cannot listen on " + s.bind() + " port " + s.port() + ": " + e.getMessage(), e);
        }
        poller = Executors.newSingleThreadScheduledExecutor(daemon("telemetry-poll"));
        poller.scheduleWithFixedDelay(this::pollSafely, 0, s.poll().toMillis(), TimeUnit.MILLISECONDS);
        poller.scheduleWithFixedDelay(this::resyncSafely, s.resync().toMillis(), s.resync().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** The port bound (the configured one, or the one picked for port 0). */
    public int port() {
        return servers.isEmpty() ? s.port() : servers.get(0).getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        servers.forEach(sv -> sv.stop(0));
        servers.clear();
        if (poller != null) {
            poller.shutdownNow();
        }
        if (http != null) {
            http.shutdownNow();
        }
    }

    /** The recording pipeline reports here. */
    public RecordingObserver recordings() {
        return observer;
    }

    /** Channels not tracked because {@link Settings#maxChannels} were live (their hangups still count). */
    public long channelOverflow() {
        return channelOverflow.get();
    }

    /** ESL state: connected gates /ready; a new connection triggers a poll and a count resync (events were lost meanwhile). */
    public void onEslState(EslClient.State state) {
        boolean up = state == EslClient.State.CONNECTED;
        eslConnected = up;
        eslConnectedGauge.set(up ? 1 : 0);
        ScheduledExecutorService p = poller;
        if (up && p != null && !p.isShutdown()) {
            p.execute(this::pollSafely);
            p.execute(this::resyncSafely);
        } else if (!up) {
            fsState = new FsState(false, false, false, List.of(), fsState.at(), "ESL " + state);
        }
    }

    /** An ESL event; runs on the ESL dispatch thread, so it only updates counters and maps. */
    public void onEvent(EslEvent e) {
        String uuid = e.header("Unique-ID");
        switch (e.name()) {
            case "CHANNEL_CREATE" -> {
                callsStarted.inc();
                if (uuid != null && !channels.containsKey(uuid)) {
                    if (channels.size() >= s.maxChannels()) {
                        channelOverflow.incrementAndGet();
                    } else if (channels.putIfAbsent(uuid, Boolean.FALSE) == null) {
                        activeSessions.incrementAndGet();
                    }
                }
            }
            case "CHANNEL_ANSWER" -> {
                // A call is its A leg: the channel FreeSWITCH received (the trunk's INVITE), not the legs it originated.
                if (uuid != null && "inbound".equalsIgnoreCase(e.header("Call-Direction"))
                        && channels.replace(uuid, Boolean.FALSE, Boolean.TRUE)) {
                    activeCalls.incrementAndGet();
                }
            }
            case "CHANNEL_HANGUP_COMPLETE" -> {
                if (uuid != null && channels.replace(uuid, Boolean.TRUE, Boolean.FALSE)) {
                    activeCalls.decrementAndGet();
                }
                boolean answered = positive(e.header("Caller-Channel-Answered-Time"))
                        || positive(e.header("variable_answer_epoch"));
                callsFinished.labelValues(answered ? "answered" : "failed").inc();
                if (synthetic(e)) {
                    syntheticCallsFinished.labelValues(answered ? "answered" : "failed").inc();
                }
                quality(e, uuid);
            }
            case "CHANNEL_DESTROY" -> {
                if (uuid != null) {
                    Boolean wasCall = channels.remove(uuid);
                    if (wasCall != null) {
                        activeSessions.decrementAndGet();
                        if (wasCall) { // destroyed without a HANGUP_COMPLETE we saw (dropped while the queue was full)
                            activeCalls.decrementAndGet();
                        }
                    }
                }
            }
            default -> { }
        }
    }

    /**
     * A smoke or synthetic call's inbound leg: the public dialplan set the organization variable from the call's
     * X-Organization-Id to one of {@link NodeContract#SYNTHETIC_ORGANIZATIONS}. The leg the CLI originated (outbound)
     * is not counted, so one test call counts once.
     */
    private boolean synthetic(EslEvent e) {
        String org = e.header("variable_" + contract.vars().organizationId());
        return "inbound".equalsIgnoreCase(e.header("Call-Direction")) && org != null
                && NodeContract.SYNTHETIC_ORGANIZATIONS.contains(org);
    }

    /** switch_core_media's set_stats: rtp_audio_in_* channel variables, on the hangup event as variable_*. */
    private void quality(EslEvent e, String uuid) {
        OptionalLong media = longVar(e, "rtp_audio_in_media_packet_count");
        OptionalLong flaws = longVar(e, "rtp_audio_in_flaw_total");
        if (media.isEmpty() || flaws.isEmpty() || media.getAsLong() + flaws.getAsLong() <= 0) {
            return; // no audio RTP (failed before media, or a signalling-only leg): nothing to measure
        }
        // As the bash script did: sequence gaps FreeSWITCH counted over packets expected (received + gaps).
        double lossPercent = 100.0 * flaws.getAsLong() / (media.getAsLong() + flaws.getAsLong());
        loss.labelValues("inbound").observe(lossPercent);
        Double minVar = doubleVar(e, "rtp_audio_in_jitter_min_variance");
        Double maxVar = doubleVar(e, "rtp_audio_in_jitter_max_variance");
        if (minVar != null && maxVar != null && minVar >= 0 && maxVar >= 0) {
            // switch_rtp check_jitter: the variance of packet inter-arrival times in ms^2 (switch_micro_time_now()/1000),
            // kept as running min and max over the call; the last value is not exported. Its square root is the
            // jitter in ms; the midpoint of min and max stands for the call's mean.
            jitter.observe(Math.sqrt((minVar + maxVar) / 2));
        }
        Double m = doubleVar(e, "rtp_audio_in_mos");
        if (m != null) {
            mos.observe(m);
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("packet_loss_percent", Math.round(lossPercent * 100) / 100.0);
        f.put("media_packets", media.getAsLong());
        f.put("lost_packets", flaws.getAsLong());
        f.put("mos", m == null ? 0.0 : m); // FreeSWITCH sets in_mos with the counts; 0 only if a module stripped it
        f.put("call_uuid", safeId(uuid));
        f.put("call_sid", safeId(e.header("variable_" + contract.vars().callSid())));
        f.put("organization_id", safeId(e.header("variable_" + contract.vars().organizationId())));
        s.log().event(contract.events().callQuality(), f);
    }

    // ---- health ----

    /** Null when live, else why not. Live: the FreeSWITCH process exists and answered {@code status} within liveBound. */
    String liveness() {
        if (freeswitchPid().isEmpty()) {
            return "freeswitch process not running";
        }
        FsState st = fsState;
        if (st.at() == Long.MIN_VALUE || s.nanoTime().getAsLong() - st.at() > s.liveBound().toNanos()) {
            return "freeswitch not answering on ESL within " + s.liveBound().toSeconds() + " s (" + st.error() + ")";
        }
        return null;
    }

    /** Null when ready, else the first reason, in the order an operator fixes them. */
    String readiness() {
        if (Files.exists(s.drainingMarker())) {
            return "draining";
        }
        if (!Files.exists(s.readyMarker())) {
            return "booting";
        }
        if (!eslConnected) {
            return "event socket not connected";
        }
        String live = liveness();
        if (live != null) {
            return live;
        }
        FsState st = fsState;
        if (st.error() != null) {
            return st.error();
        }
        if (!st.coreReady()) {
            return "freeswitch not ready (shutting down or paused)";
        }
        if (st.pausedInbound()) {
            return "inbound calls paused (fsctl pause inbound)";
        }
        if (!st.notRunning().isEmpty()) {
            String p = st.notRunning().get(0);
            return p.equals("ilb") ? "sofia profile ilb not running: nothing listens on the internal load balancer address"
                    : "sofia profile " + p + " not running";
        }
        return null;
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            fsState = new FsState(false, false, false, List.of(), fsState.at(), "health poll failed: " + e.getClass().getSimpleName());
        }
    }

    void poll() {
        long prevAt = fsState.at();
        String status;
        try {
            status = s.esl().api("status");
        } catch (Exception e) {
            fsState = new FsState(false, false, false, List.of(), prevAt, "status not answering: " + e.getMessage());
            return;
        }
        long at = s.nanoTime().getAsLong();
        boolean up = status.lines().anyMatch(l -> l.startsWith("UP "));
        // mod_commands status_function: "FreeSWITCH (Version ...) is ready" / "is not ready" (switch_core_ready()).
        boolean coreReady = status.contains(") is ready");
        String error = up ? null : "status does not report UP";
        boolean paused = false;
        List<String> notRunning = new ArrayList<>();
        try {
            // fsctl pause_check inbound: SCSC_PAUSE_INBOUND_CHECK, "true" while SCF_NO_NEW_INBOUND_SESSIONS is set.
            paused = s.esl().api("fsctl pause_check inbound").strip().equals("true");
            Map<String, String> state = new LinkedHashMap<>();
            Matcher mt = PROFILE_LINE.matcher(s.esl().api("sofia status"));
            while (mt.find()) {
                state.put(mt.group(1), mt.group(2));
            }
            for (String p : s.sipProfiles()) {
                if (!"RUNNING".equals(state.get(p))) {
                    notRunning.add(p);
                }
            }
        } catch (Exception e) {
            error = "sofia status not answering: " + e.getMessage();
        }
        fsState = new FsState(up, coreReady, paused, List.copyOf(notRunning), up ? at : prevAt, error);
    }

    private void resyncSafely() {
        try {
            resync();
        } catch (RuntimeException e) {
            // next resync; events keep the gauges moving meanwhile
        }
    }

    /** Re-reads the counts FreeSWITCH keeps: events missed while disconnected would otherwise skew the gauges forever. */
    void resync() {
        if (!eslConnected) {
            return;
        }
        try {
            OptionalLong calls = count(s.esl().api("show calls count"));
            OptionalLong chans = count(s.esl().api("show channels count"));
            calls.ifPresent(activeCalls::set);
            chans.ifPresent(activeSessions::set);
        } catch (Exception e) {
            // not answering: the poll reports it; keep the event-driven values
        }
    }

    private OptionalLong freeswitchPid() {
        OptionalLong pid = proc.find(s.freeswitchPidFile(), s.freeswitchComm(), fsPid);
        fsPid = pid.orElse(-1);
        return pid;
    }

    private double diskUsedRatio() {
        try {
            FileStore fs = Files.getFileStore(s.recordingsDir());
            long total = fs.getTotalSpace();
            if (total > 0) {
                return (double) (total - fs.getUsableSpace()) / total;
            }
        } catch (IOException e) {
            // directory missing right now: fall back to what the pipeline last reported
        }
        return lastTotal > 0 ? (double) lastUsed / lastTotal : -1;
    }

    // ---- registration from the contract ----

    private void check(NodeContract.Metric m, NodeContract.MetricKind kind) {
        if (m.kind() != kind) {
            throw new IllegalStateException("contract metric " + m.name() + " is a " + m.kind() + ", telemetry builds a " + kind);
        }
        registered.add(m.name());
    }

    private Counter counter(NodeContract.Metric m) {
        check(m, NodeContract.MetricKind.COUNTER);
        return Counter.builder().name(m.name()).help(m.help()).labelNames(m.labels().toArray(String[]::new)).register(registry);
    }

    private Gauge gauge(NodeContract.Metric m) {
        check(m, NodeContract.MetricKind.GAUGE);
        return Gauge.builder().name(m.name()).help(m.help()).labelNames(m.labels().toArray(String[]::new)).register(registry);
    }

    private void gaugeCb(NodeContract.Metric m, java.util.function.Consumer<GaugeWithCallback.Callback> cb) {
        check(m, NodeContract.MetricKind.GAUGE);
        GaugeWithCallback.builder().name(m.name()).help(m.help()).labelNames(m.labels().toArray(String[]::new))
                .callback(cb).register(registry);
    }

    private void counterCb(NodeContract.Metric m, java.util.function.Consumer<CounterWithCallback.Callback> cb) {
        check(m, NodeContract.MetricKind.COUNTER);
        CounterWithCallback.builder().name(m.name()).help(m.help()).labelNames(m.labels().toArray(String[]::new))
                .callback(cb).register(registry);
    }

    private Histogram histogram(NodeContract.Metric m, double[] buckets) {
        check(m, NodeContract.MetricKind.HISTOGRAM);
        // Classic only: the Ops Agent's Prometheus receiver and Cloud Monitoring read explicit buckets.
        return Histogram.builder().name(m.name()).help(m.help()).labelNames(m.labels().toArray(String[]::new))
                .classicOnly().classicUpperBounds(buckets).register(registry);
    }

    private final class Observer implements RecordingObserver {
        @Override
        public void uploaded(String object, Duration latency, int attempts, long sizeBytes) {
            uploaded.inc();
            uploadLatency.observe(latency.toNanos() / 1e9);
        }

        @Override
        public void uploadFailed(String stage, String object) {
            uploadFailures.labelValues(stage).inc();
        }

        @Override
        public void outboxDepth(int depth) {
            outbox.set(depth);
        }

        @Override
        public void pending(int files) {
            pending.set(files);
        }

        @Override
        public void diskUsage(long usedBytes, long totalBytes) {
            lastUsed = usedBytes;
            lastTotal = totalBytes;
        }
    }

    private final class Streams implements StreamObserver {
        @Override
        public void streamsActive(Provider provider, int active) {
            streamsActive.labelValues(provider.id()).set(Math.max(0, active));
        }

        @Override
        public void streamEnded(Provider provider, String outcome) {
            streamsFinished.labelValues(provider.id(), STREAM_OUTCOMES.contains(outcome) ? outcome : "failed").inc();
        }

        @Override
        public void audioSent(Provider provider, long bytes, double seconds) {
            if (seconds > 0) {
                streamAudio.labelValues(provider.id()).inc(seconds);
            }
        }

        @Override
        public void audioLost(Provider provider, String reason, long bytes) {
            if (bytes > 0) {
                streamLost.labelValues(provider.id(), LOST_REASONS.contains(reason) ? reason : "other").inc(bytes);
            }
        }

        @Override
        public void reconnected(Provider provider) {
            streamReconnects.labelValues(provider.id()).inc();
        }

        @Override
        public void result(Provider provider, boolean isFinal) {
            streamResults.labelValues(provider.id(), isFinal ? "final" : "interim").inc();
        }
    }

    // ---- helpers ----

    private static void answer(HttpExchange ex, String reason) throws IOException {
        if (reason == null) {
            text(ex, 200, ex.getHttpContext().getPath().equals("/live") ? "live" : "ready");
        } else {
            text(ex, 503, reason);
        }
    }

    private static void json(HttpExchange ex, String body) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET")) {
                text(ex, 405, "GET only");
                return;
            }
            byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static void text(HttpExchange ex, int code, String body) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                code = 405;
                body = "GET only";
            }
            byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static OptionalLong count(String reply) {
        Matcher m = COUNT.matcher(reply);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    private static boolean positive(String v) {
        try {
            return v != null && Long.parseLong(v.strip()) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static OptionalLong longVar(EslEvent e, String var) {
        String v = e.header("variable_" + var);
        try {
            return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v.strip()));
        } catch (NumberFormatException ex) {
            return OptionalLong.empty();
        }
    }

    private static Double doubleVar(EslEvent e, String var) {
        String v = e.header("variable_" + var);
        try {
            double d = v == null ? Double.NaN : Double.parseDouble(v.strip());
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    private static String safeId(String v) {
        if (v == null) {
            return "";
        }
        String s = SAFE_ID.matcher(v).replaceAll("");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
