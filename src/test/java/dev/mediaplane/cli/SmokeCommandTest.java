package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.config.GcpNames;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.ops.smoke.CallingNode;
import dev.mediaplane.testing.GcpStandIn;
import java.util.Set;
import dev.mediaplane.ops.smoke.OldTlsServer;
import dev.mediaplane.ops.smoke.SipTlsResponder;
import dev.mediaplane.plan.PlanFixtures;
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
 * smoke through the CLI factory: a real TLS SIP responder (JDK, keytool certificate), a JDK TLS 1.1-only server in
 * its own JVM, ESL on loopback ({@link EslNode}), and for the test call {@link CallingNode}: originate answered as
 * FreeSWITCH does, the node agent's upload and publish through the agent's own Google clients, GCS and Pub/Sub
 * on the strict {@link GcpStandIn} (IAM checked, no delivery to a subscription created after the publish).
 */
class SmokeCommandTest {

    static final String PASSWORD = "MARKER-controller-pw-4c2d";
    static final String OPERATOR_PASSWORD = "MARKER-operator-pw-77e1";
    static final String OPERATOR = "smoke-runner@mediaplane-test-000000.iam.gserviceaccount.com";
    static final String TOKEN = "ya29.MARKER-smoke-runner-token-5d1c";
    static final String BUCKET = GcpNames.recordingsBucket("mediaplane-test-000000", "mp-test");
    static final String TOPIC = GcpNames.eventsTopic("mp-test");

    @TempDir
    Path dir;

    EslNode esl;
    SipTlsResponder sip;
    Path cert;
    Path pwFile;
    Path operatorPwFile;
    GcpStandIn gcp;
    CallingNode node;

    record Result(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }

        JsonObject check(String name) {
            for (var e : json().getAsJsonArray("checks")) {
                if (e.getAsJsonObject().get("check").getAsString().equals(name)) {
                    return e.getAsJsonObject();
                }
            }
            throw new AssertionError("no check " + name + " in " + out);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML);
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
        cert = SipTlsResponder.certificate(dir, "node.test", 30);
        sip = new SipTlsResponder(dir.resolve("node.p12"));
        esl = new EslNode().user("controller@mediaplane", PASSWORD, EslNode.CONTROLLER_API)
                .user(CallingNode.OPERATOR_USER, OPERATOR_PASSWORD, CallingNode.OPERATOR_API);
        pwFile = dir.resolve("pw");
        Files.writeString(pwFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
        operatorPwFile = dir.resolve("operator-pw");
        Files.writeString(operatorPwFile, OPERATOR_PASSWORD + "\n");
        Files.setPosixFilePermissions(operatorPwFile, PosixFilePermissions.fromString("rw-------"));
        gcp = new GcpStandIn("mediaplane-test-000000", 4242);
        CallingNode.provision(gcp, BUCKET, TOPIC);
        gcp.useToken(OPERATOR, TOKEN);
        CallingNode.grantChecker(gcp, BUCKET, OPERATOR);
        node = new CallingNode(esl, gcp, BUCKET, TOPIC, "127.0.0.1", 5061, Files.createDirectories(dir.resolve("recordings")));
    }

    @AfterEach
    void tearDown() throws IOException {
        node.close();
        gcp.close();
        sip.close();
        esl.close();
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
        SmokeCommand smoke = cli.getSubcommands().get("smoke").getCommand();
        smoke.recordings = CallingNode.checkerClients(gcp, TOKEN);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        Result r = new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
        for (String secret : List.of(PASSWORD, OPERATOR_PASSWORD, TOKEN)) {
            assertFalse((r.out() + r.err()).contains(secret), r.toString());
        }
        return r;
    }

    String[] smoke(int sipPort, String... extra) {
        List<String> a = new ArrayList<>(List.of("smoke", "--stack", "test", "--address", "127.0.0.1:" + esl.port(),
                "--sip-address", "127.0.0.1:" + sipPort, "--esl-password-file", pwFile.toString(), "--timeout", "3s",
                "--call-esl-password-file", operatorPwFile.toString(), "--hold", "1s", "--upload-timeout", "3s"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void aHealthyNodePassesEveryCheck() {
        Result r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--sip-name", "node.test", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.json().get("pass").getAsBoolean());
        assertEquals(List.of("sip-options-tls", "tls-certificate", "esl-login", "freeswitch-ready", "test-call", "recording-gcs",
                "recording-event"), names(r), r.out());
        String detail = r.check("sip-options-tls").get("detail").getAsString();
        assertTrue(detail.startsWith("TLSv1.3 TLS_") && detail.contains(", 200 OK, certificate CN=node.test (verified)"), detail);
        assertTrue(r.check("tls-certificate").get("detail").getAsString().contains("(in 29 days; minimum 14)"), r.out());
        assertTrue(r.check("esl-login").get("pass").getAsBoolean());
        assertTrue(r.check("freeswitch-ready").get("pass").getAsBoolean());
        assertEquals(3, r.json().getAsJsonArray("notChecked").size());
        assertTrue(r.json().getAsJsonArray("notChecked").get(2).getAsString().startsWith("transcript: the stack streams to no provider"));
        String req = sip.requests.get(0);
        assertTrue(req.startsWith("OPTIONS sip:127.0.0.1:" + sip.port() + ";transport=tls SIP/2.0\r\n"), req);
        assertTrue(req.contains("\r\nVia: SIP/2.0/TLS 127.0.0.1:") && req.contains(";branch=z9hG4bK"), req);
        assertEquals("status", esl.apiCalls.get(0));
        // The call: into the node's own external profile over TLS, with the smoke's ids in the X- headers.
        String originate = node.originates.get(0);
        assertTrue(originate.matches("originate \\{origination_uuid=[0-9a-f-]{36},originate_timeout=10,"
                + "origination_caller_id_number=mediaplane-smoke,sip_h_X-Organization-Id=mediaplane-smoke,"
                + "sip_h_X-Call-Sid=smoke-\\d{8}T\\d{6}-[0-9a-f]{6}-1,sip_h_X-Recording-Id=rec-\\d{8}T\\d{6}-[0-9a-f]{6}-1}"
                + "sofia/external/mediaplane-smoke@127\\.0\\.0\\.1:5061;transport=tls &playback\\(silence_stream://-1,1400\\)"),
                originate);
        String a = originate.substring("originate {origination_uuid=".length(), "originate {origination_uuid=".length() + 36);
        assertTrue(esl.apiCalls.contains("uuid_kill " + a + " NORMAL_CLEARING"), esl.apiCalls.toString());
        assertEquals("answered, post-dial delay 120 ms, 250 RTP packets sent, 250 received (0.00% lost, 0 reads without a packet),"
                + " hangup NORMAL_CLEARING, call_sid " + originate.replaceAll(".*sip_h_X-Call-Sid=([^,]+),.*", "$1"),
                r.check("test-call").get("detail").getAsString());
        // The check's own subscription existed when the call was placed, and is gone afterwards.
        List<String> subs = node.subscriptionsAtOriginate.get(0);
        assertEquals(1, subs.size(), subs.toString());
        assertTrue(subs.get(0).matches("mp-test-smoke-[0-9a-f]{8}"), subs.toString());
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC));
        String object = "org/mediaplane-smoke/recordings/" + originate.replaceAll(".*sip_h_X-Call-Sid=([^,]+),.*", "$1") + "/";
        assertTrue(r.check("recording-gcs").get("detail").getAsString().startsWith("gs://" + BUCKET + "/" + object + "rec-"),
                r.out());
        assertTrue(r.check("recording-gcs").get("detail").getAsString().contains("400 ms, sha256 "), r.out());
        assertTrue(r.check("recording-event").get("detail").getAsString().matches("message \\d+ on " + TOPIC
                + ", data equal to the stored manifest"), r.out());
        assertEquals(0, r.json().getAsJsonArray("notes").size());
        assertTrue(r.err().contains("smoke 127.0.0.1 test-call: pass\nsmoke: waiting up to 3s for the evidence event of 1 test call on "
                + TOPIC + "\nsmoke 127.0.0.1 recording-gcs: pass\n"), r.err());
    }

    static List<String> names(Result r) {
        List<String> n = new ArrayList<>();
        r.json().getAsJsonArray("checks").forEach(e -> n.add(e.getAsJsonObject().get("check").getAsString()));
        return n;
    }

    @Test
    void aRecordingNeverUploadedFailsTheObjectAndTheEventCheck() {
        node.behaviour = n -> new CallingNode.Behaviour(true, 90, 100, 100, 0, false, false, false);
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.check("test-call").get("pass").getAsBoolean(), r.out());
        JsonObject gcs = r.check("recording-gcs");
        assertFalse(gcs.get("pass").getAsBoolean());
        assertTrue(gcs.get("detail").getAsString().matches("gs://" + BUCKET + "/org/mediaplane-smoke/recordings/smoke-.*\\.wav not found"
                + " \\(not uploaded yet, or not recorded\\)"), gcs.toString());
        assertFalse(r.check("recording-event").get("pass").getAsBoolean());
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC), "deleted on failure too");
    }

    @Test
    void anUploadWithoutItsEventFailsOnlyTheEventCheck() {
        node.behaviour = n -> new CallingNode.Behaviour(true, 90, 100, 100, 0, true, false, false);
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.check("recording-gcs").get("pass").getAsBoolean(), r.out());
        JsonObject ev = r.check("recording-event");
        assertFalse(ev.get("pass").getAsBoolean());
        assertTrue(ev.get("detail").getAsString().startsWith("no event with call_sid=smoke-"), ev.toString());
    }

    @Test
    void anEventPublishedBeforeTheSubscriptionExistedIsNotSeen() throws Exception {
        // Control for the stand-in's strictness: what the node published before smoke subscribed never arrives.
        gcp.createSubscription("early", TOPIC);
        gcp.iam.grant(gcp.subscriptionResource("early"), GcpStandIn.sa(OPERATOR), "roles/pubsub.subscriber");
        node.behaviour = n -> CallingNode.Behaviour.good();
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, gcp.subscriber("early", OPERATOR).received().size(), "the node published once, to both subscriptions");
        assertEquals(List.of("early"), gcp.subscriptionsOf(TOPIC));
    }

    @Test
    void aManifestWhoseSha256IsNotTheObjectsFails() {
        node.behaviour = n -> new CallingNode.Behaviour(true, 90, 100, 100, 0, true, true, true);
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        JsonObject gcs = r.check("recording-gcs");
        assertFalse(gcs.get("pass").getAsBoolean());
        assertTrue(gcs.get("detail").getAsString().contains(": sha256 " + CallingNode.sha256(new byte[] {1, 2, 3})
                + ", the object's "), gcs.toString());
        assertTrue(r.check("recording-event").get("pass").getAsBoolean(), "the event carries the (wrong) manifest as stored");
    }

    @Test
    void aCallNotAnsweredFailsAndItsRecordingIsNotLookedFor() {
        node.behaviour = n -> new CallingNode.Behaviour(false, 0, 0, 0, 0, false, false, false);
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        JsonObject call = r.check("test-call");
        assertFalse(call.get("pass").getAsBoolean());
        assertTrue(call.get("detail").getAsString().startsWith("originate answered '-ERR NO_ANSWER'; not answered, hangup NO_ANSWER"),
                call.toString());
        assertEquals("not checked: the test call was not answered", r.check("recording-gcs").get("detail").getAsString());
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC));
    }

    @Test
    void theControllerLoginMayNotOriginate() {
        List<String> args = new ArrayList<>(List.of(smoke(sip.port(), "--no-verify", "--json", "--call-esl-user",
                "controller@mediaplane")));
        args.set(args.indexOf(operatorPwFile.toString()), pwFile.toString());
        Result r = run(args.toArray(String[]::new));
        assertEquals(1, r.code(), r.toString());
        String d = r.check("test-call").get("detail").getAsString();
        assertTrue(d.contains("permission denied") && d.contains("may not run originate"), d);
        assertEquals(0, node.calls());
    }

    @Test
    void withoutPubSubRightsTheEventCheckSaysWhichPermission() {
        gcp.iam.forget("projects/mediaplane-test-000000");
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        String d = r.check("recording-event").get("detail").getAsString();
        assertTrue(d.startsWith("cannot create the subscription projects/mediaplane-test-000000/subscriptions/mp-test-smoke-")
                && d.contains("PERMISSION_DENIED") && d.contains("pubsub.subscriptions.create"), d);
        assertTrue(r.check("test-call").get("pass").getAsBoolean(), "the call itself still ran");
    }

    @Test
    void aTls11OnlyServerFailsTheCheck() throws Exception {
        try (OldTlsServer old = OldTlsServer.start(dir.resolve("node.p12"), "TLSv1.1", dir)) {
            Result r = run(smoke(old.port(), "--ca-file", cert.toString(), "--json", "--no-call"));
            assertEquals(1, r.code(), r.toString());
            JsonObject c = r.check("sip-options-tls");
            assertFalse(c.get("pass").getAsBoolean());
            assertTrue(c.get("detail").getAsString().startsWith("TLS handshake with 127.0.0.1:" + old.port()
                    + " failed offering only [TLSv1.3, TLSv1.2]"), c.toString());
            assertFalse(r.check("tls-certificate").get("pass").getAsBoolean());
            assertTrue(r.check("esl-login").get("pass").getAsBoolean(), "the other checks still run");
        }
        // Control: the same child with TLS 1.2 passes, so the failure above is the protocol, not the setup.
        try (OldTlsServer ok = OldTlsServer.start(dir.resolve("node.p12"), "TLSv1.2", dir)) {
            Result r = run(smoke(ok.port(), "--ca-file", cert.toString(), "--json", "--no-call"));
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.check("sip-options-tls").get("detail").getAsString().startsWith("TLSv1.2 "), r.out());
        }
    }

    @Test
    void aCertificateOutsideTheTrustOrForAnotherNameFails() {
        Result r = run(smoke(sip.port(), "--json", "--no-call"));
        assertEquals(1, r.code());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().contains("PKIX path building failed"), r.out());
        r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--sip-name", "other.test", "--json", "--no-call"));
        assertEquals(1, r.code());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().contains("No subject alternative DNS name matching other.test"),
                r.out());
        r = run(smoke(sip.port(), "--no-verify", "--json", "--no-call"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().endsWith("(NOT verified: --no-verify)"));
    }

    @Test
    void aRefusedOptionsAnExpiringCertificateAndAWrongPasswordEachFailTheirCheck() throws IOException {
        sip.answer = "403 Forbidden";
        Files.writeString(pwFile, "MARKER-wrong-password-99\n");
        Result r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--cert-min-days", "60", "--no-call"));
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("FAIL +127\\.0\\.0\\.1 +sip-options-tls +TLSv1\\.3 .*, 403 Forbidden, .*"), r.out());
        assertTrue(lines.get(1).matches("FAIL +127\\.0\\.0\\.1 +tls-certificate +expires .* \\(in 29 days; minimum 60\\).*"), r.out());
        assertTrue(lines.get(2).matches("FAIL +127\\.0\\.0\\.1 +esl-login +FreeSWITCH rejected user controller@mediaplane .*"), r.out());
        assertTrue(r.out().contains("not checked:\n  - the trunk's own leg"), r.out());
        assertTrue(r.out().contains("  - test call, its recording in GCS, its event and transcript: --no-call\n"), r.out());
        assertTrue(r.out().endsWith("smoke test: FAIL (0 of 4 checks passed on 1 node)\n"), r.out());
        assertFalse(r.out().contains("MARKER-wrong-password-99"));
    }

    @Test
    void dryRunContactsNothingAndEveryNodeOfTheInventoryIsChecked() throws IOException {
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, "[{\"name\":\"mp-test-node-1\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\",\"accessConfigs\":[{\"natIP\":\"127.0.0.1\"}]}]},"
                + "{\"name\":\"mp-test-node-2\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\"}]}]");
        Result r = run("smoke", "--stack", "test", "--inventory", inv.toString(), "--esl-password-file", pwFile.toString(),
                "--dry-run", "--json", "--no-call");
        assertEquals(0, r.code(), r.toString());
        JsonArray calls = r.json().getAsJsonArray("calls");
        assertEquals(8, calls.size());
        assertTrue(calls.get(0).getAsString().startsWith("mp-test-node-1: sip-options-tls: TLS (offering only [TLSv1.3, TLSv1.2]) to 127.0.0.1:5061"),
                calls.toString());
        assertTrue(sip.requests.isEmpty());
        assertEquals(0, esl.logins.get());
        r = run("smoke", "--stack", "test", "--inventory", inv.toString(), "--esl-password-file", pwFile.toString(), "--json",
                "--timeout", "1s", "--no-call");
        assertEquals(1, r.code());
        JsonArray checks = r.json().getAsJsonArray("checks");
        assertEquals(8, checks.size());
        assertEquals("no external address known (inventory without natIP; give --sip-address)",
                checks.get(4).getAsJsonObject().get("detail").getAsString());
    }

    @Test
    void dryRunListsTheCallAndTheRecordingChecksAndContactsNothing() {
        Result r = run("smoke", "--stack", "test", "--address", "10.42.0.7", "--sip-address", "203.0.113.10",
                "--esl-password-file", pwFile.toString(), "--dry-run");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("smoke test would check:", lines.get(0));
        assertTrue(lines.get(1).matches("  recordings: Pub/Sub CreateSubscription projects/mediaplane-test-000000/subscriptions/"
                + "mp-test-smoke-[0-9a-f]{8} on projects/mediaplane-test-000000/topics/" + TOPIC + " .*before any call"), lines.get(1));
        assertTrue(r.out().contains("  10.42.0.7: test-call: userauth user operator@mediaplane, password from Secret Manager"
                + " projects/mediaplane-test-000000/secrets/mp-test-esl-operator-password (latest) at 10.42.0.7:8021\n"), r.out());
        assertTrue(r.out().contains("  10.42.0.7: test-call: bgapi originate {origination_uuid=<uuid>,originate_timeout=10,"
                + "origination_caller_id_number=mediaplane-smoke,sip_h_X-Organization-Id=mediaplane-smoke,sip_h_X-Call-Sid=<call-sid>,"
                + "sip_h_X-Recording-Id=<recording-id>}sofia/external/mediaplane-smoke@10.42.0.7:5061;transport=tls"
                + " &playback(silence_stream://-1,1400)\n"), r.out());
        assertTrue(lines.get(lines.size() - 2).startsWith("  recordings: Pub/Sub DeleteSubscription"), r.out());
        assertEquals("nothing was contacted (--dry-run)", lines.get(lines.size() - 1));
        assertEquals(0, node.calls());
        assertTrue(gcp.requests().isEmpty(), gcp.requests().toString());
    }

    @Test
    void aStreamingStackAsksForTheStreamAndChecksTheTranscript() throws IOException {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML
                + "  mediaplane:streamProvider: deepgram\n  mediaplane:deepgramApiKey:\n    secure: v1:MARKER-opaque\n");
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("sip-options-tls", "tls-certificate", "esl-login", "freeswitch-ready", "test-call", "recording-gcs",
                "recording-event", "transcript"), names(r), r.out());
        assertEquals(1, node.streamed.size(), "uuid_setvar <B> mp_stream_to_ai on, the control message");
        assertTrue(r.check("transcript").get("detail").getAsString().matches("gs://" + BUCKET
                + "/org/mediaplane-smoke/recordings/smoke-.*\\.transcript\\.jsonl, \\d+ bytes, sha256 matches the manifest"), r.out());
        assertEquals(2, r.json().getAsJsonArray("notChecked").size());
        // Without the stream the manifest names no transcript, and the check fails.
        esl.allowed.put(CallingNode.OPERATOR_USER, Set.of("status", "show", "originate", "uuid_kill"));
        r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.check("test-call").get("detail").getAsString().matches("uuid_setvar [0-9a-f-]{36} mp_stream_to_ai on: api uuid_setvar: -ERR permission denied; answered, .*hangup NORMAL_CLEARING.*"), r.out());
        assertTrue(r.check("transcript").get("detail").getAsString().endsWith("names no transcript (the stream to the provider did"
                + " not start or produced nothing)"), r.out());
    }

    @Test
    void withoutTheCallLoginTheOtherChecksStillRunAndTheCallFailsSayingWhy() throws IOException {
        Files.setPosixFilePermissions(operatorPwFile, PosixFilePermissions.fromString("rw-r--r--"));
        Result r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.check("esl-login").get("pass").getAsBoolean(), r.out());
        String d = r.check("test-call").get("detail").getAsString();
        assertTrue(d.startsWith("no test call: --call-esl-password-file " + operatorPwFile + " is readable"), d);
        assertTrue(d.endsWith("allowed: owner only (chmod 600) (or pass --no-call)"), d);
        assertEquals(0, node.calls());
    }
}
