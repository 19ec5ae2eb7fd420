package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.Distribution;
import com.google.api.Metric;
import com.google.api.MonitoredResource;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.monitoring.v3.Aggregation;
import com.google.monitoring.v3.Point;
import com.google.monitoring.v3.TypedValue;
import com.google.monitoring.v3.TimeSeries;
import dev.mediaplane.cli.ReleaseCommandsTest.Result;
import dev.mediaplane.ops.release.ComputeStandIn;
import dev.mediaplane.ops.release.MonitoringStandIn;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseFixtures;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.render.NodeContract;
import dev.mediaplane.ops.release.CanaryAnalysis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Canary analysis on synthetic series with known verdicts, through the real Monitoring client. */
class CanaryStatusCommandTest {

    @TempDir
    Path dir;

    ReleaseFixtures f;
    MonitoringStandIn mon;
    ReleaseState s;
    static final NodeContract.Metrics M = NodeContract.STANDARD.metrics();

    @BeforeEach
    void setUp() throws IOException {
        f = new ReleaseFixtures(dir);
        mon = new MonitoringStandIn("mediaplane-prod-000000", f.token);
        f.metrics = project -> mon.reader(f.credentials());
        assertEquals(0, run("canary", "start", "--stack", "prod", "--offline", "--stable", ReleaseFixtures.OLD).code());
        s = f.state();
        String stableT = s.stableTemplate();
        String canaryT = s.canaryTemplate().orElseThrow();
        f.compute.templates.put(stableT, ReleaseFixtures.OLD);
        f.compute.templates.put(canaryT, s.currentRender());
        f.compute.group(ReleaseChecks.groupName(s), List.of(new ComputeStandIn.Version("stable", stableT, null),
                new ComputeStandIn.Version("canary", canaryT, 1)), List.of(
                new ComputeStandIn.Instance(node("a"), "europe-west1-b", stableT),
                new ComputeStandIn.Instance(node("b"), "europe-west1-c", canaryT),
                new ComputeStandIn.Instance(node("c"), "europe-west1-d", stableT)));
    }

    @AfterEach
    void tearDown() {
        mon.close();
        f.close();
    }

    private String node(String x) {
        return "mp-prod-node-" + x;
    }

    private Result run(String... args) {
        return ReleaseCommandsTest.run(f.context(), dir, args);
    }

    // ---- synthetic series, as the Ops Agent's Prometheus receiver labels them ---------------------------

    private static TimeSeries.Builder series(NodeContract.Metric m, String node, Map<String, String> labels) {
        return TimeSeries.newBuilder()
                .setMetric(Metric.newBuilder().setType(m.monitoringType()).putAllLabels(labels))
                .setResource(MonitoredResource.newBuilder().setType("prometheus_target")
                        .putLabels("project_id", "mediaplane-prod-000000").putLabels("location", "europe-west1-b")
                        .putLabels("cluster", "__gce__").putLabels("namespace", ComputeStandIn.idOf(node))
                        .putLabels("job", "mediaplane-agent").putLabels("instance", "localhost:9464"));
    }

    private static TimeSeries value(NodeContract.Metric m, String node, Map<String, String> labels, double v) {
        return series(m, node, labels).addPoints(Point.newBuilder().setValue(TypedValue.newBuilder().setDoubleValue(v))).build();
    }

    private static TimeSeries dist(NodeContract.Metric m, String node, long count, double mean) {
        return series(m, node, Map.of()).addPoints(Point.newBuilder().setValue(TypedValue.newBuilder()
                .setDistributionValue(Distribution.newBuilder().setCount(count).setMean(mean)))).build();
    }

    /** One node's window: calls finished (failed share), loss, MOS, uploads (failed share), latency, CPU, memory. */
    record Node(String name, long calls, double failedPct, double loss, double mos, long uploads, double uploadFailPct,
                double latency, double cpu, double memory) {}

    private void window(Node... nodes) {
        Map<String, List<TimeSeries>> by = new java.util.HashMap<>();
        for (Node n : nodes) {
            long failed = Math.round(n.calls() * n.failedPct() / 100);
            add(by, M.callsFinished(), value(M.callsFinished(), n.name(), Map.of("outcome", "answered"), n.calls() - failed));
            add(by, M.callsFinished(), value(M.callsFinished(), n.name(), Map.of("outcome", "failed"), failed));
            add(by, M.callPacketLoss(), dist(M.callPacketLoss(), n.name(), n.calls(), n.loss()));
            add(by, M.callMos(), dist(M.callMos(), n.name(), n.calls(), n.mos()));
            long upFailed = Math.round(n.uploads() * n.uploadFailPct() / 100);
            add(by, M.recordingsUploaded(), value(M.recordingsUploaded(), n.name(), Map.of(), n.uploads() - upFailed));
            add(by, M.uploadFailures(), value(M.uploadFailures(), n.name(), Map.of("stage", "upload"), upFailed));
            add(by, M.uploadLatency(), dist(M.uploadLatency(), n.name(), n.uploads() - upFailed, n.latency()));
            add(by, M.processCpu(), value(M.processCpu(), n.name(), Map.of("process", "freeswitch"), n.cpu() * 0.8));
            add(by, M.processCpu(), value(M.processCpu(), n.name(), Map.of("process", "agent"), n.cpu() * 0.2));
            add(by, M.processMemory(), value(M.processMemory(), n.name(), Map.of("process", "freeswitch"), n.memory()));
        }
        // A series of a VM outside the group must not count on either side.
        add(by, M.callsFinished(), value(M.callsFinished(), "some-other-vm", Map.of("outcome", "failed"), 1e6));
        mon.series.putAll(by);
    }

    private static void add(Map<String, List<TimeSeries>> by, NodeContract.Metric m, TimeSeries t) {
        by.computeIfAbsent(m.monitoringType(), k -> new ArrayList<>()).add(t);
    }

    private Node healthy(String x) {
        return new Node(node(x), 400, 1.0, 0.4, 4.2, 300, 0.0, 1.2, 0.5, 600e6);
    }

    private JsonObject metric(JsonObject o, String id) {
        return o.getAsJsonArray("metrics").asList().stream().map(e -> e.getAsJsonObject())
                .filter(m -> m.get("metric").getAsString().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aCanaryLikeTheStableNodesIsPromoted() {
        window(healthy("a"), healthy("b"), healthy("c"));
        // Smoke and synthetic calls: 11 answered and 1 failed on the canary; the stable node's 3 are not the canary's.
        Map<String, List<TimeSeries>> syn = new java.util.HashMap<>();
        add(syn, M.syntheticCallsFinished(), value(M.syntheticCallsFinished(), node("b"), Map.of("outcome", "answered"), 11));
        add(syn, M.syntheticCallsFinished(), value(M.syntheticCallsFinished(), node("b"), Map.of("outcome", "failed"), 1));
        add(syn, M.syntheticCallsFinished(), value(M.syntheticCallsFinished(), node("a"), Map.of("outcome", "answered"), 3));
        mon.series.putAll(syn);
        Result r = run("canary", "status", "--stack", "prod", "--json");
        assertEquals(ExitCode.OK.code(), r.code(), r.err() + r.out());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("promote", o.get("verdict").getAsString());
        assertEquals(400, o.get("canaryCalls").getAsLong());
        assertEquals(800, o.get("stableCalls").getAsLong());
        assertEquals(List.of(node("b")), o.getAsJsonArray("canaryNodes").asList().stream().map(e -> e.getAsString()).toList());
        assertEquals(1.0, metric(o, "call-failures").get("canary").getAsDouble(), 1e-9);
        assertEquals(0.5, metric(o, "cpu").get("stable").getAsDouble(), 1e-9);
        assertEquals(12, o.get("syntheticCalls").getAsLong(), r.out());
        // Nine reads, each naming its metric by the contract's Monitoring type, with a valid aligner.
        assertEquals(9, mon.requests.stream().filter(q -> q.getPageToken().isEmpty()).count());
        assertTrue(mon.requests.stream().anyMatch(q -> q.getFilter().contains(M.processCpu().monitoringType())
                && q.getAggregation().getPerSeriesAligner() == Aggregation.Aligner.ALIGN_RATE));
        assertTrue(mon.requests.stream().allMatch(q -> q.getAggregation().getAlignmentPeriod().getSeconds() == 86400));
        assertEquals(java.util.Set.of("Bearer " + f.token), mon.authorizations);
        assertFalse((r.out() + r.err()).contains(f.token));
    }

    @Test
    void moreCallFailuresOnTheCanaryIsARollBack() {
        Node bad = new Node(node("b"), 400, 5.0, 0.4, 4.2, 300, 0.0, 1.2, 0.5, 600e6);
        window(healthy("a"), bad, healthy("c"));
        Result r = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.CANARY_ROLL_BACK.code(), r.code(), r.err() + r.out());
        assertTrue(r.out().matches("(?s).*call-failures +5\\.000 % +1\\.000 % +roll back +canary worse by 4\\.00 %.*"), r.out());
        assertTrue(r.out().contains("verdict: ROLL BACK (mediaplane rollback --stack prod)"), r.out());
        // The same evidence under a looser, overridden threshold is only a hold.
        Result loose = run("canary", "status", "--stack", "prod", "--threshold", "call-failures.roll-back=10");
        assertEquals(ExitCode.CANARY_HOLD.code(), loose.code(), loose.out());
    }

    @Test
    void theStacksThresholdsApplyAndTheCommandLineWinsOverThem() throws IOException {
        Node bad = new Node(node("b"), 400, 5.0, 0.4, 4.2, 300, 0.0, 1.2, 0.5, 600e6);
        window(healthy("a"), bad, healthy("c"));
        java.nio.file.Path file = dir.resolve("Pulumi.prod.yaml");
        Files.writeString(file, Files.readString(file) + "  mediaplane:canaryThresholds:\n    - call-failures.roll-back=10\n");
        // 4 points worse: under the stack's roll-back of 10 it is a hold, not the built-in roll back.
        Result stack = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.CANARY_HOLD.code(), stack.code(), stack.err() + stack.out());
        Result plan = run("canary", "status", "--stack", "prod", "--dry-run", "--json");
        JsonObject rule = JsonParser.parseString(plan.out()).getAsJsonObject().getAsJsonArray("rules").get(0).getAsJsonObject();
        assertEquals("call-failures", rule.get("id").getAsString(), plan.out());
        assertEquals(10.0, rule.get("rollBack").getAsDouble(), plan.out());
        // --threshold goes over the stack file for this run.
        Result cli = run("canary", "status", "--stack", "prod", "--threshold", "call-failures.roll-back=3");
        assertEquals(ExitCode.CANARY_ROLL_BACK.code(), cli.code(), cli.out());
    }

    @Test
    void aMisspeltStackThresholdIsAConfigErrorNamingTheKey() throws IOException {
        java.nio.file.Path file = dir.resolve("Pulumi.prod.yaml");
        Files.writeString(file, Files.readString(file) + "  mediaplane:canaryThresholds:\n    - jitter.hold=1\n");
        Result r = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.CONFIG_ERROR.code(), r.code(), r.err() + r.out());
        assertTrue(r.err().contains("mediaplane:canaryThresholds[0] must be ID.hold=N"), r.err());
        assertTrue(r.err().contains("got 'jitter.hold=1'"), r.err());
    }

    @Test
    void theConfigKnowsExactlyTheRulesTheAnalysisHas() {
        assertEquals(dev.mediaplane.config.StackConfig.Canary.RULE_IDS,
                CanaryAnalysis.DEFAULT_RULES.stream().map(CanaryAnalysis.Rule::id).toList());
    }

    @Test
    void tooFewCallsOnTheCanaryIsAHoldNeverAPromote() {
        Node quiet = new Node(node("b"), 10, 0.0, 0.4, 4.2, 300, 0.0, 1.2, 0.5, 600e6);
        window(healthy("a"), quiet, healthy("c"));
        Result r = run("canary", "status", "--stack", "prod", "--json");
        assertEquals(ExitCode.CANARY_HOLD.code(), r.code(), r.out());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("hold", metric(o, "call-failures").get("verdict").getAsString());
        assertTrue(metric(o, "call-failures").get("reason").getAsString().contains("too few samples: canary 10, stable 800, need 50"));
        assertEquals("promote", metric(o, "cpu").get("verdict").getAsString());
    }

    @Test
    void noDataAtAllIsAHold() {
        Result r = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.CANARY_HOLD.code(), r.code(), r.out() + r.err());
        assertTrue(r.out().contains("no data"), r.out());
        assertFalse(r.out().contains("promote    "), r.out());
    }

    @Test
    void cpuBetweenItsThresholdsIsAHold() {
        Node warm = new Node(node("b"), 400, 1.0, 0.4, 4.2, 300, 0.0, 1.2, 0.65, 600e6);
        window(healthy("a"), warm, healthy("c"));
        Result r = run("canary", "status", "--stack", "prod", "--json");
        assertEquals(ExitCode.CANARY_HOLD.code(), r.code(), r.out());
        assertEquals("hold", metric(JsonParser.parseString(r.out()).getAsJsonObject(), "cpu").get("verdict").getAsString());
    }

    @Test
    void lowerMosOnTheCanaryIsARollBack() {
        Node muffled = new Node(node("b"), 400, 1.0, 0.4, 3.7, 300, 0.0, 1.2, 0.5, 600e6);
        window(healthy("a"), muffled, healthy("c"));
        assertEquals(ExitCode.CANARY_ROLL_BACK.code(), run("canary", "status", "--stack", "prod").code());
    }

    @Test
    void aWrongTokenIsUnauthenticatedAndExit69() {
        window(healthy("a"), healthy("b"), healthy("c"));
        f.metrics = project -> mon.reader(com.google.auth.oauth2.GoogleCredentials.create(
                new com.google.auth.oauth2.AccessToken("ya29.WRONG", new java.util.Date(System.currentTimeMillis() + 3_600_000))));
        Result r = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.UNAVAILABLE.code(), r.code(), r.out());
        assertTrue(r.err().contains("UNAUTHENTICATED"), r.err());
    }

    @Test
    void badFlagsAndNoCanaryAreRefusedClearly() throws IOException {
        Result w = run("canary", "status", "--stack", "prod", "--window", "2w");
        assertEquals(ExitCode.USAGE.code(), w.code());
        assertTrue(w.err().contains("--window must be a duration like 90s, 5m, 1h30m or 250ms between 5m and 42d, got '2w'"), w.err());
        Result t = run("canary", "status", "--stack", "prod", "--threshold", "jitter.hold=1");
        assertEquals(ExitCode.USAGE.code(), t.code());
        assertTrue(t.err().contains("--threshold jitter.hold names no threshold"), t.err());
        Result dry = run("canary", "status", "--stack", "prod", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("filter=metric.type = \"" + M.callMos().monitoringType() + "\""), dry.out());
        assertTrue(mon.requests.isEmpty(), "a dry run calls nothing");
        assertEquals(0, run("rollback", "--stack", "prod").code());
        Result none = run("canary", "status", "--stack", "prod");
        assertEquals(ExitCode.REFUSED.code(), none.code());
        assertTrue(none.err().contains("no canary runs on stack prod"), none.err());
    }
}
