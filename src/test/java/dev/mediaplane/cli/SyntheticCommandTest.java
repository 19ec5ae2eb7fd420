package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.config.GcpNames;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.ops.smoke.CallingNode;
import dev.mediaplane.plan.PlanFixtures;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * synthetic through the CLI factory against the same stand-ins as smoke's test call: {@link CallingNode} answers
 * each originate with the behaviour the test gives the n-th call, so the figures are computed from known inputs.
 */
class SyntheticCommandTest {

    static final String OPERATOR_PASSWORD = "MARKER-operator-pw-19ab";
    static final String OPERATOR = "synthetic-runner@mediaplane-test-000000.iam.gserviceaccount.com";
    static final String TOKEN = "ya29.MARKER-synthetic-runner-3e2f";
    static final String BUCKET = GcpNames.recordingsBucket("mediaplane-test-000000", "mp-test");
    static final String TOPIC = GcpNames.eventsTopic("mp-test");

    @TempDir
    Path dir;

    EslNode esl;
    GcpStandIn gcp;
    CallingNode node;
    Path pw;

    record Result(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML);
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
        esl = new EslNode().user(CallingNode.OPERATOR_USER, OPERATOR_PASSWORD, CallingNode.OPERATOR_API);
        pw = dir.resolve("pw");
        Files.writeString(pw, OPERATOR_PASSWORD + "\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        gcp = new GcpStandIn("mediaplane-test-000000", 4243);
        CallingNode.provision(gcp, BUCKET, TOPIC);
        gcp.useToken(OPERATOR, TOKEN);
        CallingNode.grantChecker(gcp, BUCKET, OPERATOR);
        node = new CallingNode(esl, gcp, BUCKET, TOPIC, "127.0.0.1", 5061, Files.createDirectories(dir.resolve("recordings")));
    }

    @AfterEach
    void tearDown() throws IOException {
        node.close();
        gcp.close();
        esl.close();
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
        SyntheticCommand s = cli.getSubcommands().get("synthetic").getCommand();
        s.recordings = CallingNode.checkerClients(gcp, TOKEN);
        s.tty = false;
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        Result r = new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
        for (String secret : List.of(OPERATOR_PASSWORD, TOKEN)) {
            assertFalse((r.out() + r.err()).contains(secret), r.toString());
        }
        return r;
    }

    String[] synthetic(String... extra) {
        List<String> a = new ArrayList<>(List.of("synthetic", "--stack", "test", "--address", "127.0.0.1:" + esl.port(),
                "--esl-user", CallingNode.OPERATOR_USER, "--esl-password-file", pw.toString(), "--hold", "1s",
                "--upload-timeout", "3s"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void theFiguresComeFromWhatTheCallsDid() {
        // Four calls: answered after 100, 300 and 200 ms; the third not answered; the fourth never uploaded.
        node.behaviour = n -> switch (n) {
            case 0 -> new CallingNode.Behaviour(true, 100, 500, 490, 10, true, true, false);
            case 1 -> new CallingNode.Behaviour(true, 300, 500, 500, 0, true, true, false);
            case 2 -> new CallingNode.Behaviour(false, 0, 0, 0, 0, false, false, false);
            default -> new CallingNode.Behaviour(true, 200, 500, 480, 20, false, false, false);
        };
        Result r = run(synthetic("--rate", "4/s", "--duration", "1s", "--json"));
        assertEquals(1, r.code(), r.toString());
        JsonObject j = r.json();
        assertEquals(4, j.get("placed").getAsInt());
        assertEquals(3, j.get("answered").getAsInt());
        assertEquals(0.75, j.get("answerRate").getAsDouble(), 1e-9);
        JsonObject pdd = j.getAsJsonObject("postDialDelayMs");
        assertEquals(3, pdd.get("samples").getAsInt());
        assertEquals(200, pdd.get("median").getAsLong());
        assertEquals(300, pdd.get("p95").getAsLong());
        assertEquals(300, pdd.get("max").getAsLong());
        JsonObject p = j.getAsJsonObject("packets");
        assertEquals(1500, p.get("sent").getAsLong());
        assertEquals(1470, p.get("received").getAsLong());
        assertEquals(30, p.get("lost").getAsLong());
        assertEquals(2.0, p.get("lossPercent").getAsDouble(), 1e-9);
        JsonObject rec = j.getAsJsonObject("recordings");
        assertEquals(2, rec.get("complete").getAsInt());
        assertEquals(3, rec.get("of").getAsInt());
        assertEquals(2.0 / 3, rec.get("completeness").getAsDouble(), 1e-9);
        assertEquals(4, j.getAsJsonArray("callList").size());
        JsonObject third = j.getAsJsonArray("callList").get(2).getAsJsonObject();
        assertFalse(third.get("answered").getAsBoolean());
        assertEquals("originate answered '-ERR NO_ANSWER'", third.get("failure").getAsString());
        JsonObject fourth = j.getAsJsonArray("callList").get(3).getAsJsonObject();
        assertTrue(fourth.get("recording").getAsString().endsWith(".wav not found (not uploaded yet, or not recorded)"), fourth.toString());
        assertFalse(j.get("pass").getAsBoolean());
        // Every call carried the synthetic org, and the one subscription existed before the first call and is gone.
        assertEquals(4, node.originates.size());
        node.originates.forEach(o -> assertTrue(o.contains(",sip_h_X-Organization-Id=mediaplane-synthetic,"), o));
        assertTrue(node.subscriptionsAtOriginate.get(0).get(0).matches("mp-test-synthetic-[0-9a-f]{8}"));
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC));
        assertTrue(r.err().contains("synthetic test: 4/4 placed"), r.err());
    }

    @Test
    void aCleanRunPassesAndReportsInText() {
        Result r = run(synthetic("--rate", "120/min", "--duration", "1s"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "answer rate          2/2 (100.0%)",
                "post-dial delay      median 120 ms, p95 120 ms, max 120 ms (2 calls)",
                "packet loss          0.00% (0 of 500 RTP packets; threshold 5.0%)",
                "recordings complete  2/2 (100.0%)",
                "synthetic test: PASS"), r.out().lines().toList());
    }

    @Test
    void lossOverTheAlertThresholdFails() {
        node.behaviour = n -> new CallingNode.Behaviour(true, 50, 1000, 900, 100, true, true, false);
        Result r = run(synthetic("--rate", "1/s", "--duration", "1s", "--json"));
        assertEquals(1, r.code(), r.toString());
        assertEquals(10.0, r.json().getAsJsonObject("packets").get("lossPercent").getAsDouble(), 1e-9);
        assertEquals(1.0, r.json().getAsJsonObject("recordings").get("completeness").getAsDouble(), 1e-9);
    }

    @Test
    void dryRunPrintsTheScheduleAndEveryCallAndContactsNothing() {
        Result r = run(synthetic("--rate", "6/min", "--duration", "1m", "--dry-run"));
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("synthetic test would call:", lines.get(0));
        assertTrue(lines.get(1).matches("  Pub/Sub CreateSubscription projects/mediaplane-test-000000/subscriptions/"
                + "mp-test-synthetic-[0-9a-f]{8} on .*"), lines.get(1));
        assertEquals("  127.0.0.1: userauth user operator@mediaplane, password from " + pw + " at 127.0.0.1:" + esl.port(), lines.get(2));
        assertEquals("  6 calls, one every 10000 ms, round robin over 1 node, each:", lines.get(3));
        assertTrue(lines.get(5).startsWith("    bgapi originate {origination_uuid=<uuid>,originate_timeout=10,"
                + "origination_caller_id_number=mediaplane-synthetic,"), lines.get(5));
        assertEquals("nothing was contacted (--dry-run)", lines.get(lines.size() - 1));
        assertEquals(0, node.calls());
        assertTrue(gcp.requests().isEmpty(), gcp.requests().toString());
        assertEquals(0, esl.logins.get());
    }

    @Test
    void badRatesAndDurationsAreUsageErrorsNamingTheValue() {
        Result r = run(synthetic("--rate", "fast", "--duration", "1m"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--rate must be N/s, N/min or N/h with N a positive number (e.g. 6/min), got 'fast'"), r.err());
        r = run(synthetic("--rate", "11/s", "--duration", "1m"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--rate must be 1/h..10/s, got '11/s'"), r.err());
        r = run(synthetic("--rate", "1/s", "--duration", "73h"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--duration"), r.err());
        r = run(synthetic("--rate", "1/s", "--duration", "15h"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--rate 1/s for --duration 15h is 54000 calls, more than one run places (50000)"), r.err());
        r = run(synthetic("--rate", "1/s", "--duration", "1m", "--canary"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--canary needs --inventory FILE"), r.err());
    }

    @Test
    void unsafeMovesAreRefusedBeforeAnyCall() throws IOException {
        Result r = run(synthetic("--rate", "10/s", "--duration", "1m", "--json"));
        assertEquals(4, r.code(), r.toString());
        assertEquals("refused", r.json().get("outcome").getAsString());
        assertTrue(r.err().contains("keeps about 40.0 synthetic sessions up per node (2 per call, 1 node), more than 5% of"
                + " fleet.maxSessions 500 (25.0)"), r.err());
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, "[{\"name\":\"mp-test-node-1\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\"}]}]");
        r = run("synthetic", "--stack", "test", "--inventory", inv.toString(), "--canary", "--rate", "1/min", "--duration", "1m",
                "--esl-password-file", pw.toString());
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("stack test runs no canary (mediaplane:releaseCanarySize is 0 in Pulumi.test.yaml)"), r.err());
        assertEquals(0, node.calls());
        assertEquals(0, esl.logins.get());
    }

    @Test
    void aRefusedLoginIsUnavailableAndSaysHowTheOperatorPasswordIsSet() throws IOException {
        Files.writeString(pw, "not-" + OPERATOR_PASSWORD + "\n");
        Result r = run(synthetic("--rate", "1/s", "--duration", "1s"));
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("pulumi config set --secret mediaplane:eslOperatorPassword"), r.err());
        assertEquals(0, node.calls(), "no call placed with a login the node refused");
    }

    @Test
    void aLoginWithoutOriginateIsUnavailableAndSaysWhy() {
        esl.user("controller@mediaplane", OPERATOR_PASSWORD, EslNode.CONTROLLER_API);
        List<String> a = new ArrayList<>(List.of(synthetic("--rate", "1/s", "--duration", "1s")));
        a.set(a.indexOf(CallingNode.OPERATOR_USER), "controller@mediaplane");
        Result r = run(a.toArray(String[]::new));
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("-ERR permission denied") && r.err().contains("may not run 'originate'"), r.err());
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC), "the subscription is deleted when the run stops");
    }
}
