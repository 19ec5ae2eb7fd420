package dev.mediaplane.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.render.NodeContract;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry over real HTTP on 127.0.0.1, its exposition read by the Prometheus project's parser,
 * driven by events decoded from the bytes FreeSWITCH sends (event-plain, URL-encoded values).
 */
@Timeout(60)
class TelemetryTest {

    private static final String SECRET = "EslPw-Marker-5e7b21";
    private static final long FS_PID = 424242;
    private static final String STATUS_UP = """
            UP 0 years, 0 days, 1 hour, 2 minutes, 3 seconds, 4 milliseconds, 5 microseconds
            FreeSWITCH (Version 1.11.2 git abcdef 2026-08-01 64bit) is ready
            12 session(s) since startup
            0 session(s) - peak 3, last 5min 1
            0 session(s) per Sec out of max 30, peak 2, last 5min 1
            1000 session(s) max
            min idle cpu 0.00/98.00
            Current Stack Size/Max 240K/8192K
            """;
    private static final String SOFIA_RUNNING = """
                                 Name\t   Type\t                                       Data\tState
            =================================================================================================
                          external\tprofile\t          sip:mod_sofia@10.0.0.5:5061\tRUNNING (0) (TLS)
              external::signalwire\tgateway\t         sip:trunk@example.signalwire.com\tREGED
                          internal\tprofile\t          sip:mod_sofia@10.0.0.5:5080\tRUNNING (0)
            =================================================================================================
            2 profiles 0 aliases
            """;

    @TempDir
    Path dir;
    private final Map<String, String> replies = new ConcurrentHashMap<>();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicReference<EslClient.Stats> stats = new AtomicReference<>(new EslClient.Stats(0, 0, 0, 0, 0, 0, 0, 0));
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path proc;
    private Telemetry t;

    @BeforeEach
    void setUp() throws Exception {
        replies.put("status", STATUS_UP);
        replies.put("sofia status", SOFIA_RUNNING);
        replies.put("fsctl pause_check inbound", "false");
        replies.put("show calls count", "\n0 total.\n");
        replies.put("show channels count", "\n0 total.\n");
        proc = dir.resolve("proc");
        fakeProcess(FS_PID, "freeswitch", 1234, 566, 250_000);
        fakeProcess(ProcessHandle.current().pid(), "java", 300, 100, 90_000);
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("recordings"));
        Files.writeString(dir.resolve("run/freeswitch.pid"), FS_PID + "\n");
        Files.createFile(dir.resolve("run/ready"));
    }

    @AfterEach
    void tearDown() {
        if (t != null) {
            t.close();
        }
        String log = logBytes.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains(SECRET), "a log line carries the secret marker: " + log);
    }

    private void fakeProcess(long pid, String comm, long utime, long stime, long rssKb) throws Exception {
        Path p = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(p.resolve("comm"), comm + "\n");
        // The real layout: comm in parentheses (here with a space and a ')' to prove the parse anchors on the last one).
        Files.writeString(p.resolve("stat"), pid + " (" + comm + " x) y) S 1 " + pid + " " + pid + " 0 -1 4194560 2069 0 0 0 "
                + utime + " " + stime + " 0 0 20 0 35 0 120 2035761152 62500 18446744073709551615\n");
        Files.writeString(p.resolve("status"), "Name:\t" + comm + "\nState:\tS (sleeping)\nVmPeak:\t  999999 kB\nVmRSS:\t  "
                + rssKb + " kB\nThreads:\t35\n");
    }

    private Telemetry.Settings settings(int maxChannels) {
        Telemetry.Api api = cmd -> {
            String r = replies.get(cmd);
            if (r == null) {
                throw new EslException(EslException.Kind.NOT_CONNECTED, "not connected to FreeSWITCH at 127.0.0.1:8021");
            }
            return r;
        };
        JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC), Map.of("node", "mp-node-1"));
        return new Telemetry.Settings(List.of(InetAddress.getLoopbackAddress()), 0, dir.resolve("run/ready"),
                dir.resolve("run/draining"), dir.resolve("recordings"), List.of("external", "internal"),
                dir.resolve("run/freeswitch.pid"), "freeswitch", proc, api, stats::get, log, nanos::get,
                Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(15), maxChannels);
    }

    private Telemetry started(int maxChannels) throws Exception {
        t = new Telemetry(settings(maxChannels));
        // Connected before start: no connect-triggered resync runs on the poll thread behind the test's events.
        t.onEslState(EslClient.State.CONNECTED);
        t.start();
        t.resync();
        t.poll();
        return t;
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, PromParser.Family> scrape() throws Exception {
        HttpResponse<String> r = get("/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        assertFalse(r.body().contains(SECRET), "/metrics carries the secret marker");
        return PromParser.parse(r.body(), "text");
    }

    /** event-plain as switch_event_serialize writes it: values URL-encoded. */
    private static EslEvent event(String name, String uuid, Map<String, String> extra) throws EslException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Event-Name", name);
        h.put("Core-UUID", "6d2d6d4e-9c3f-4a8b-9d0e-000000000001");
        h.put("Event-Date-Local", "2026-12-02 10:00:00");
        h.put("Unique-ID", uuid);
        h.putAll(extra);
        StringBuilder sb = new StringBuilder();
        h.forEach((k, v) -> sb.append(k).append(": ").append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)
                .replace("+", "%20")).append('\n'));
        sb.append('\n');
        return EslEvent.parsePlain(sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static double value(Map<String, PromParser.Family> f, String family, String sample, Map<String, String> labels) {
        PromParser.Family fam = f.get(family);
        if (fam == null) {
            throw new AssertionError("family " + family + " not exported; got " + f.keySet());
        }
        return fam.samples().stream().filter(s -> s.name().equals(sample) && s.labels().equals(labels))
                .findFirst().orElseThrow(() -> new AssertionError("no sample " + sample + labels + " in " + fam.samples()))
                .value();
    }

    private static double value(Map<String, PromParser.Family> f, String name) {
        String family = name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
        return value(f, family, name, Map.of());
    }

    private static Map<String, String> callVars(long media, long flaws, String mos, String minVar, String maxVar) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("Call-Direction", "inbound");
        v.put("Caller-Channel-Answered-Time", "1764669600123456");
        v.put("variable_rtp_audio_in_media_packet_count", Long.toString(media));
        v.put("variable_rtp_audio_in_flaw_total", Long.toString(flaws));
        v.put("variable_rtp_audio_in_mos", mos);
        v.put("variable_rtp_audio_in_quality_percentage", "93.20");
        v.put("variable_rtp_audio_in_jitter_min_variance", minVar);
        v.put("variable_rtp_audio_in_jitter_max_variance", maxVar);
        v.put("variable_mp_call_sid", "CA-123/../x");
        v.put("variable_mp_organization_id", "org_42");
        v.put("variable_mp_esl_admin_password", SECRET); // never echoed anywhere
        v.put("variable_sip_h_X-Auth", SECRET);
        return v;
    }

    @Test
    void exportsExactlyTheContractFamiliesWithTheirKindsAndLabels() throws Exception {
        PromParser.require();
        started(100);
        t.onEvent(event("CHANNEL_CREATE", "u1", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "u1", callVars(1000, 10, "4.3", "2.0", "6.0")));
        t.recordings().uploadFailed("object", "org/o/recordings/c/r.wav");
        t.recordings().uploaded("org/o/recordings/c/r.wav", Duration.ofMillis(80), 1, 1234);
        Map<String, PromParser.Family> f = scrape();

        Map<String, String> exported = f.values().stream().filter(x -> x.name().startsWith("mediaplane_"))
                .collect(Collectors.toMap(x -> x.type().equals("counter") ? x.name() + "_total" : x.name(), PromParser.Family::type));
        Map<String, String> declared = NodeContract.STANDARD.metrics().all().stream()
                .collect(Collectors.toMap(NodeContract.Metric::name, m -> m.kind().name().toLowerCase()));
        assertEquals(declared, exported, "families under mediaplane_ (name -> type) must be exactly the contract's");

        for (NodeContract.Metric m : NodeContract.STANDARD.metrics().all()) {
            String family = m.kind() == NodeContract.MetricKind.COUNTER ? m.name().substring(0, m.name().length() - 6) : m.name();
            List<PromParser.Sample> samples = f.get(family).samples();
            assertFalse(samples.isEmpty(), m.name() + " has no sample to show its labels");
            for (PromParser.Sample s : samples) {
                Set<String> labels = new HashSet<>(s.labels().keySet());
                labels.remove("le");
                assertEquals(Set.copyOf(m.labels()), labels, m.name() + " sample " + s);
            }
        }
        // Buckets are the domain's, not the library's defaults.
        Set<String> lossBounds = f.get("mediaplane_call_packet_loss_percent").samples().stream()
                .filter(s -> s.name().endsWith("_bucket")).map(s -> s.labels().get("le")).collect(Collectors.toSet());
        assertEquals(Set.of("0.1", "0.25", "0.5", "1.0", "2.0", "3.0", "5.0", "10.0", "20.0", "50.0", "+Inf"), lossBounds);
    }

    @Test
    void callEventsDriveGaugesCountersQualityHistogramsAndTheCallQualityLine() throws Exception {
        PromParser.require();
        started(100);
        t.onEvent(event("CHANNEL_CREATE", "a1", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_CREATE", "b1", Map.of("Call-Direction", "outbound")));
        t.onEvent(event("CHANNEL_CREATE", "a2", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_ANSWER", "a1", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_ANSWER", "b1", Map.of("Call-Direction", "outbound")));
        t.onEvent(event("CHANNEL_ANSWER", "a2", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_ANSWER", "a2", Map.of("Call-Direction", "inbound"))); // a duplicate never counts twice
        Map<String, PromParser.Family> f = scrape();
        assertEquals(2, value(f, "mediaplane_active_calls"));
        assertEquals(3, value(f, "mediaplane_active_sessions"));
        assertEquals(3, value(f, "mediaplane_calls_started_total"));

        // a1 ends with 2 % loss (20 gaps over 980 + 20 expected), MOS 4.1, jitter sqrt((20 + 30) / 2) = 5 ms.
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "a1", callVars(980, 20, "4.10", "20.0", "30.0")));
        t.onEvent(event("CHANNEL_DESTROY", "a1", Map.of()));
        // A failed call: never answered, no media.
        t.onEvent(event("CHANNEL_CREATE", "c1", Map.of("Call-Direction", "inbound")));
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "c1", Map.of("Caller-Channel-Answered-Time", "0")));
        t.onEvent(event("CHANNEL_DESTROY", "c1", Map.of()));
        f = scrape();
        assertEquals(1, value(f, "mediaplane_active_calls"));
        assertEquals(2, value(f, "mediaplane_active_sessions"));
        assertEquals(4, value(f, "mediaplane_calls_started_total"));
        assertEquals(1, value(f, "mediaplane_calls_finished", "mediaplane_calls_finished_total", Map.of("outcome", "answered")));
        assertEquals(1, value(f, "mediaplane_calls_finished", "mediaplane_calls_finished_total", Map.of("outcome", "failed")));
        Map<String, String> in = Map.of("direction", "inbound");
        assertEquals(1, value(f, "mediaplane_call_packet_loss_percent", "mediaplane_call_packet_loss_percent_count", in));
        assertEquals(2.0, value(f, "mediaplane_call_packet_loss_percent", "mediaplane_call_packet_loss_percent_sum", in), 1e-9);
        assertEquals(0, value(f, "mediaplane_call_packet_loss_percent", "mediaplane_call_packet_loss_percent_bucket",
                Map.of("direction", "inbound", "le", "1.0")));
        assertEquals(1, value(f, "mediaplane_call_packet_loss_percent", "mediaplane_call_packet_loss_percent_bucket",
                Map.of("direction", "inbound", "le", "2.0")));
        assertEquals(4.1, value(f, "mediaplane_call_mos", "mediaplane_call_mos_sum", Map.of()), 1e-9);
        assertEquals(5.0, value(f, "mediaplane_call_jitter_ms", "mediaplane_call_jitter_ms_sum", Map.of()), 1e-9);

        List<JsonObject> quality = logBytes.toString(StandardCharsets.UTF_8).lines().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(o -> o.get("event").getAsString().equals("call_quality")).toList();
        assertEquals(1, quality.size(), "one call_quality line per call with media: " + quality);
        JsonObject q = quality.get(0);
        for (NodeContract.Field field : NodeContract.STANDARD.events().callQuality().fields()) {
            assertTrue(q.has(field.name()), "call_quality lacks " + field.name() + ": " + q);
            assertEquals(field.number(), q.get(field.name()).getAsJsonPrimitive().isNumber(), field.name() + " type in " + q);
        }
        assertEquals(2.0, q.get("packet_loss_percent").getAsDouble());
        assertEquals(980, q.get("media_packets").getAsLong());
        assertEquals(20, q.get("lost_packets").getAsLong());
        assertEquals(4.1, q.get("mos").getAsDouble());
        assertEquals("a1", q.get("call_uuid").getAsString());
        assertEquals("CA-123x", q.get("call_sid").getAsString(), "ids are reduced to log-safe characters");
        assertEquals("org_42", q.get("organization_id").getAsString());
    }

    @Test
    void smokeAndSyntheticCallsAreCountedOnceByTheirInboundLeg() throws Exception {
        PromParser.require();
        started(100);
        String org = "variable_" + NodeContract.STANDARD.vars().organizationId();
        // A synthetic call: the leg the CLI originated (outbound, no organization variable: only the public
        // dialplan sets it) and the inbound leg the dialplan answered and tagged.
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "o1", Map.of("Call-Direction", "outbound",
                "variable_sip_h_X-Organization-Id", NodeContract.SYNTHETIC_ORGANIZATION, "variable_answer_epoch", "1700000000")));
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "i1", Map.of("Call-Direction", "inbound",
                org, NodeContract.SYNTHETIC_ORGANIZATION, "variable_answer_epoch", "1700000000")));
        // A smoke call that failed, and a customer's call that is not synthetic.
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "i2", Map.of("Call-Direction", "inbound",
                org, NodeContract.SMOKE_ORGANIZATION, "Caller-Channel-Answered-Time", "0")));
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "i3", Map.of("Call-Direction", "inbound",
                org, "acme-123", "variable_answer_epoch", "1700000000")));
        Map<String, PromParser.Family> f = scrape();
        String family = "mediaplane_synthetic_calls_finished";
        assertEquals(1, value(f, family, family + "_total", Map.of("outcome", "answered")));
        assertEquals(1, value(f, family, family + "_total", Map.of("outcome", "failed")));
        // Every one of them is a finished call too (canary analysis counts synthetic calls within the calls).
        assertEquals(3, value(f, "mediaplane_calls_finished", "mediaplane_calls_finished_total", Map.of("outcome", "answered")));
    }

    @Test
    void resyncTakesFreeSwitchsCountsAfterEventsWereLost() throws Exception {
        PromParser.require();
        started(100);
        t.onEvent(event("CHANNEL_CREATE", "x", Map.of()));
        replies.put("show calls count", "\n7 total.\n");
        replies.put("show channels count", "\n15 total.\n");
        t.resync();
        Map<String, PromParser.Family> f = scrape();
        assertEquals(7, value(f, "mediaplane_active_calls"));
        assertEquals(15, value(f, "mediaplane_active_sessions"));
        // A destroy of a channel created while disconnected (never seen) does not push the gauge below FreeSWITCH's count.
        t.onEvent(event("CHANNEL_DESTROY", "never-seen", Map.of()));
        assertEquals(15, value(scrape(), "mediaplane_active_sessions"));
    }

    @Test
    void liveChannelsAreCappedAndTheOverflowCounted() throws Exception {
        PromParser.require();
        started(2);
        for (int i = 0; i < 5; i++) {
            t.onEvent(event("CHANNEL_CREATE", "ch" + i, Map.of()));
        }
        assertEquals(3, t.channelOverflow());
        Map<String, PromParser.Family> f = scrape();
        assertEquals(2, value(f, "mediaplane_active_sessions"));
        assertEquals(5, value(f, "mediaplane_calls_started_total"), "hangup/start counters still count every channel");
    }

    @Test
    void streamObserverFeedsTheStreamFamiliesWithEverySeriesFromTheStart() throws Exception {
        PromParser.require();
        started(10);
        Map<String, PromParser.Family> before = scrape();
        assertEquals(0, value(before, "mediaplane_streams_finished", "mediaplane_streams_finished_total",
                Map.of("provider", "deepgram", "outcome", "auth_refused")), "increase() sees the first refusal");
        assertEquals(0, value(before, "mediaplane_streams_active", "mediaplane_streams_active", Map.of("provider", "assemblyai")));
        var o = t.streams();
        var dg = dev.mediaplane.agent.bridge.Provider.DEEPGRAM;
        var aai = dev.mediaplane.agent.bridge.Provider.ASSEMBLYAI;
        o.streamsActive(dg, 2);
        o.streamsActive(aai, 1);
        o.streamEnded(dg, "completed");
        o.streamEnded(dg, "auth_refused");
        o.audioSent(dg, 32_000, 1.0);
        o.audioSent(dg, 16_000, 0.5);
        o.audioLost(aai, "reconnect", 640);
        o.audioLost(aai, "overflow", 1280);
        o.reconnected(aai);
        o.result(dg, true);
        o.result(dg, false);
        o.result(dg, false);
        Map<String, PromParser.Family> f = scrape();
        assertEquals(2, value(f, "mediaplane_streams_active", "mediaplane_streams_active", Map.of("provider", "deepgram")));
        assertEquals(1, value(f, "mediaplane_streams_active", "mediaplane_streams_active", Map.of("provider", "assemblyai")));
        assertEquals(1, value(f, "mediaplane_streams_finished", "mediaplane_streams_finished_total",
                Map.of("provider", "deepgram", "outcome", "auth_refused")));
        assertEquals(1, value(f, "mediaplane_streams_finished", "mediaplane_streams_finished_total",
                Map.of("provider", "deepgram", "outcome", "completed")));
        assertEquals(1.5, value(f, "mediaplane_stream_audio_seconds", "mediaplane_stream_audio_seconds_total",
                Map.of("provider", "deepgram")), 1e-9);
        assertEquals(640, value(f, "mediaplane_stream_audio_lost_bytes", "mediaplane_stream_audio_lost_bytes_total",
                Map.of("provider", "assemblyai", "reason", "reconnect")));
        assertEquals(1280, value(f, "mediaplane_stream_audio_lost_bytes", "mediaplane_stream_audio_lost_bytes_total",
                Map.of("provider", "assemblyai", "reason", "overflow")));
        assertEquals(0, value(f, "mediaplane_stream_audio_lost_bytes", "mediaplane_stream_audio_lost_bytes_total",
                Map.of("provider", "deepgram", "reason", "restart")));
        assertEquals(1, value(f, "mediaplane_stream_reconnects", "mediaplane_stream_reconnects_total", Map.of("provider", "assemblyai")));
        assertEquals(1, value(f, "mediaplane_stream_results", "mediaplane_stream_results_total", Map.of("provider", "deepgram", "kind", "final")));
        assertEquals(2, value(f, "mediaplane_stream_results", "mediaplane_stream_results_total", Map.of("provider", "deepgram", "kind", "interim")));
    }

    @Test
    void recordingObserverFeedsUploadFamilies() throws Exception {
        PromParser.require();
        started(10);
        t.recordings().uploaded("o1", Duration.ofMillis(40), 1, 10);
        t.recordings().uploaded("o2", Duration.ofMillis(700), 2, 10);
        t.recordings().uploadFailed("manifest", "o3");
        t.recordings().outboxDepth(4);
        t.recordings().pending(9);
        Map<String, PromParser.Family> f = scrape();
        assertEquals(2, value(f, "mediaplane_recordings_uploaded_total"));
        String lat = "mediaplane_recording_upload_latency_seconds";
        assertEquals(2, value(f, lat, lat + "_count", Map.of()));
        assertEquals(0.74, value(f, lat, lat + "_sum", Map.of()), 1e-9);
        assertEquals(1, value(f, lat, lat + "_bucket", Map.of("le", "0.05")));
        assertEquals(1, value(f, lat, lat + "_bucket", Map.of("le", "0.5")));
        assertEquals(2, value(f, lat, lat + "_bucket", Map.of("le", "1.0")));
        assertEquals(1, value(f, "mediaplane_recording_upload_failures", "mediaplane_recording_upload_failures_total",
                Map.of("stage", "manifest")));
        assertEquals(4, value(f, "mediaplane_recording_outbox_depth"));
        assertEquals(9, value(f, "mediaplane_recordings_pending"));
        java.nio.file.FileStore store = Files.getFileStore(dir.resolve("recordings"));
        double expected = (double) (store.getTotalSpace() - store.getUsableSpace()) / store.getTotalSpace();
        assertEquals(expected, value(f, "mediaplane_recordings_disk_used_ratio"), 0.01, "statvfs of the recordings dir");
    }

    @Test
    void processCpuAndMemoryComeFromProc() throws Exception {
        PromParser.require();
        started(10);
        stats.set(new EslClient.Stats(100, 17, 0, 0, 0, 1, 0, 0));
        Map<String, PromParser.Family> f = scrape();
        assertEquals((1234 + 566) / 100.0, value(f, "mediaplane_process_cpu_seconds", "mediaplane_process_cpu_seconds_total",
                Map.of("process", "freeswitch")), 1e-9);
        assertEquals(4.0, value(f, "mediaplane_process_cpu_seconds", "mediaplane_process_cpu_seconds_total",
                Map.of("process", "agent")), 1e-9);
        assertEquals(250_000 * 1024.0, value(f, "mediaplane_process_resident_memory_bytes",
                "mediaplane_process_resident_memory_bytes", Map.of("process", "freeswitch")));
        assertEquals(90_000 * 1024.0, value(f, "mediaplane_process_resident_memory_bytes",
                "mediaplane_process_resident_memory_bytes", Map.of("process", "agent")));
        assertEquals(17, value(f, "mediaplane_esl_events_dropped_total"));
        assertEquals(1, value(f, "mediaplane_esl_connected"));
        assertEquals(1, value(f, "mediaplane_ready"));
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() throws Exception {
        PromParser.require();
        started(10);
        HttpResponse<String> r = get("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(r.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        Map<String, PromParser.Family> f = PromParser.parse(r.body(), "openmetrics");
        assertEquals("counter", f.get("mediaplane_calls_started").type());
        assertEquals("histogram", f.get("mediaplane_call_mos").type());
    }

    @Test
    void readyAndLiveFollowWhatFreeSwitchAndTheMarkersSay() throws Exception {
        started(10);
        assertHealth(200, "live", 200, "ready");

        replies.put("sofia status", SOFIA_RUNNING.replace("sip:mod_sofia@10.0.0.5:5080\tRUNNING (0)", "sip:mod_sofia@10.0.0.5:5080\tDOWN"));
        t.poll();
        assertHealth(200, "live", 503, "sofia profile internal not running");
        replies.put("sofia status", SOFIA_RUNNING);

        replies.put("fsctl pause_check inbound", "true"); // the drain's fsctl pause inbound
        t.poll();
        assertHealth(200, "live", 503, "inbound calls paused (fsctl pause inbound)");
        replies.put("fsctl pause_check inbound", "false");

        replies.put("status", STATUS_UP.replace(") is ready", ") is not ready")); // fsctl pause (both directions) or shutdown
        t.poll();
        assertHealth(200, "live", 503, "freeswitch not ready (shutting down or paused)");
        replies.put("status", STATUS_UP);
        t.poll();
        assertHealth(200, "live", 200, "ready");

        Files.createFile(dir.resolve("run/draining"));
        assertHealth(200, "live", 503, "draining");
        Files.delete(dir.resolve("run/draining"));
        Files.delete(dir.resolve("run/ready"));
        assertHealth(200, "live", 503, "booting");
        Files.createFile(dir.resolve("run/ready"));

        // ESL drops: not ready at once; live while the last status answer is within the bound, not after.
        t.onEslState(EslClient.State.DISCONNECTED);
        replies.clear();
        assertHealth(200, "live", 503, "event socket not connected");
        nanos.addAndGet(Duration.ofSeconds(16).toNanos());
        HttpResponse<String> live = get("/live", null);
        assertEquals(503, live.statusCode());
        assertTrue(live.body().startsWith("freeswitch not answering on ESL within 15 s"), live.body());
        assertEquals(0, value(PromParser.parse(get("/metrics", null).body(), "text"), "mediaplane_esl_connected"), "gauge follows");

        // Back: connected, answering.
        replies.put("status", STATUS_UP);
        replies.put("sofia status", SOFIA_RUNNING);
        replies.put("fsctl pause_check inbound", "false");
        t.onEslState(EslClient.State.CONNECTED);
        t.poll();
        assertHealth(200, "live", 200, "ready");

        // FreeSWITCH's process gone (pid file stale, nothing named freeswitch in /proc): not live whatever ESL said.
        Files.writeString(proc.resolve(Long.toString(FS_PID)).resolve("comm"), "bash\n");
        assertEquals(503, get("/live", null).statusCode());
        assertEquals("freeswitch process not running\n", get("/live", null).body());
        assertEquals(503, get("/ready", null).statusCode());
        // Restarted under a new pid with no pid file yet: found by the /proc scan.
        fakeProcess(777, "freeswitch", 1, 1, 1);
        Files.delete(dir.resolve("run/freeswitch.pid"));
        assertEquals(200, get("/live", null).statusCode());

        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/ready"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, get("/other", null).statusCode());
    }

    @Test
    void readyGaugeMatchesReady() throws Exception {
        PromParser.require();
        started(10);
        assertEquals(1, value(scrape(), "mediaplane_ready"));
        Files.createFile(dir.resolve("run/draining"));
        assertEquals(0, value(scrape(), "mediaplane_ready"));
    }

    @Test
    void secretsInEventsReachNoOutput() throws Exception {
        PromParser.require();
        started(10);
        t.onEvent(event("CHANNEL_CREATE", "s1", Map.of()));
        t.onEvent(event("CHANNEL_HANGUP_COMPLETE", "s1", callVars(100, 1, "4.0", "1", "2")));
        for (String path : List.of("/metrics", "/live", "/ready")) {
            assertFalse(get(path, null).body().contains(SECRET), path);
        }
        assertFalse(get("/metrics", "application/openmetrics-text; version=1.0.0").body().contains(SECRET));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("call_quality"), "the line was written");
        // tearDown checks the log
    }

    @Test
    void secretVersionsAreAGaugeBySecretNameAndTheSecretsDocument() throws Exception {
        PromParser.require();
        started(10);
        assertEquals("{\"refresh\":\"off\",\"secrets\":{}}\n", get("/secrets", null).body(), "before the refresh reports");
        Map<String, PromParser.Family> before = scrape();
        assertEquals(0, value(before, "mediaplane_secret_version", "mediaplane_secret_version", Map.of("secret", "esl-password")),
                "0 before the refresh reports");
        assertEquals(7, before.get("mediaplane_secret_version").samples().size(), "every node secret but the repository token");
        t.secrets(() -> new Telemetry.SecretsReport() {
            @Override
            public Map<String, Integer> versions() {
                return Map.of("esl-password", 4, "sip-trunk-password", 2);
            }

            @Override
            public String json() {
                return "{\"refresh\":\"on\",\"secrets\":{}}";
            }
        });
        Map<String, PromParser.Family> f = scrape();
        assertEquals(4, value(f, "mediaplane_secret_version", "mediaplane_secret_version", Map.of("secret", "esl-password")));
        assertEquals(2, value(f, "mediaplane_secret_version", "mediaplane_secret_version", Map.of("secret", "sip-trunk-password")));
        HttpResponse<String> doc = get("/secrets", null);
        assertEquals(200, doc.statusCode());
        assertEquals("application/json", doc.headers().firstValue("Content-Type").orElse(""));
        assertEquals("{\"refresh\":\"on\",\"secrets\":{}}\n", doc.body());
    }

    @Test
    void settingsRefuseTheWildcardAndBadNumbers() {
        Telemetry.Settings ok = settings(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Telemetry.Settings(
                List.of(InetAddress.getByName("0.0.0.0")), 9102, ok.readyMarker(), ok.drainingMarker(), ok.recordingsDir(),
                ok.sipProfiles(), null, "freeswitch", proc, ok.esl(), ok.eslStats(), ok.log(), ok.nanoTime(), ok.poll(),
                ok.resync(), ok.liveBound(), 10));
        assertTrue(e.getMessage().contains("telemetry.bind") && e.getMessage().contains("0.0.0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Telemetry.Settings(ok.bind(), 70000, ok.readyMarker(),
                ok.drainingMarker(), ok.recordingsDir(), ok.sipProfiles(), null, "freeswitch", proc, ok.esl(), ok.eslStats(),
                ok.log(), ok.nanoTime(), ok.poll(), ok.resync(), ok.liveBound(), 10));
        assertEquals("telemetry.port must be 0..65535, got 70000", e.getMessage());
    }

    private void assertHealth(int liveCode, String liveBody, int readyCode, String readyBody) throws Exception {
        HttpResponse<String> live = get("/live", null);
        HttpResponse<String> ready = get("/ready", null);
        assertEquals(liveCode + " " + liveBody + "\n", live.statusCode() + " " + live.body());
        assertEquals(readyCode + " " + readyBody + "\n", ready.statusCode() + " " + ready.body());
    }
}
