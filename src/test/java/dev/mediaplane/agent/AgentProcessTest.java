package dev.mediaplane.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.recordings.TestWav;
import dev.mediaplane.agent.telemetry.PromParser;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The node agent as a black box: a child JVM started as the node starts it, against the stand-in set up from the
 * dev stack's plan (IAM included) and a fake FreeSWITCH speaking ESL, with the bash uploader's faults and the ones
 * only an ESL-driven agent has. Every scenario ends with the same checks: each recording exists exactly once with
 * its bytes and a manifest, no local file was deleted unverified, and neither the access token nor the ESL password
 * appears in a log line, a file or the agent's argv.
 */
class AgentProcessTest {

    @TempDir Path tmp;
    GcpStandIn gcp;
    AgentHarness h;
    final Map<String, byte[]> written = new LinkedHashMap<>();
    final Map<String, Path> localPath = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        var cloud = AgentHarness.plannedCloud();
        gcp = cloud.gcp();
        h = new AgentHarness(tmp, cloud, true);
    }

    @AfterEach
    void tearDown() {
        h.close();
        gcp.close();
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void aBacklogAtStartIsUploadedOnceWithManifestsEventsAndMetrics() throws Exception {
        record(h::writeOld, "org-1", "CA01", "rec-pcm", TestWav.make(TestWav.PCM, 8000, 1, 1500, false, 1));
        record(h::writeOld, "org-1", "CA01", "rec-alaw", TestWav.make(TestWav.ALAW, 8000, 2, 2000, true, 2));
        record(h::writeOld, "org_2", "CA.02", "not-a-wav", "this is not RIFF".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            record(h::writeOld, "org-3", "CA" + i, "r" + i, TestWav.make(TestWav.PCM, 8000, 1, 200, false, 100 + i));
        }
        AgentHarness.Agent a = h.start();
        h.await("the backlog", () -> h.events("recording_evidence_published").size() == written.size());
        assertMarkersNotIn(a);

        assertAllUploadedExactlyOnce();
        JsonObject m = manifest("org-1", "CA01", "rec-pcm");
        assertEquals("mediaplane.recording-evidence.v1", m.get("schema").getAsString());
        assertEquals(GcpStandIn.sha256Hex(written.get("org/org-1/recordings/CA01/rec-pcm.wav")), m.get("sha256").getAsString());
        assertEquals(GcpStandIn.crc32cB64(written.get("org/org-1/recordings/CA01/rec-pcm.wav")), m.get("crc32c").getAsString());
        assertEquals(1500, m.getAsJsonObject("audio").get("duration_ms").getAsInt());
        assertEquals("file mtime minus duration", m.get("record_times_source").getAsString());
        assertEquals("unknown", manifest("org_2", "CA.02", "not-a-wav").getAsJsonObject("audio").get("format").getAsString());
        List<GcpStandIn.Message> msgs = h.consumer.received();
        assertEquals(written.size(), msgs.size());
        for (GcpStandIn.Message msg : msgs) {
            String manifestName = msg.attributes().get("object").replaceAll("\\.wav$", ".manifest.json");
            assertEquals(new String(gcp.objects(h.bucket).get(manifestName).bytes(), StandardCharsets.UTF_8),
                    new String(msg.data(), StandardCharsets.UTF_8));
            assertEquals("recording.evidence", msg.attributes().get("event_type"));
        }

        // The counters the dashboard and alerts read, parsed by Prometheus' own parser.
        PromParser.require();
        String body = h.get("/metrics").body();
        var metrics = PromParser.parse(body, "text");
        assertEquals(written.size(), metrics.get("mediaplane_recordings_uploaded").samples().get(0).value(), 0.0);
        double count = metrics.get("mediaplane_recording_upload_latency_seconds").samples().stream()
                .filter(s -> s.name().endsWith("_count")).findFirst().orElseThrow().value();
        assertEquals(written.size(), count, 0.0);
        assertEquals(0, metrics.get("mediaplane_recording_outbox_depth").samples().get(0).value(), 0.0);
        assertEquals(1, metrics.get("mediaplane_esl_connected").samples().get(0).value(), 0.0, body);

        int rc = a.terminate();
        assertEquals(143, rc, "SIGTERM: the JVM's exit status after the shutdown hook");
        assertEquals(1, h.events("agent_stopping").size());
        assertEquals(1, h.events("agent_stopped").size());
    }

    @Test
    void recordStopStartsTheUploadAndDuplicatesAndForeignPathsAreHarmless() throws Exception {
        h.env.put("MP_QUIET_SECONDS", "3600"); // only the event can start this upload
        AgentHarness.Agent a = h.start();
        FakeFreeSwitch.Session esl = h.fs.nextSession(60);
        assertTrue(esl.awaitSubscribed());
        Path p = h.recordings.resolve("org-1/CA-live/rec-1.wav");
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_START", "uuid-live", p.toString()));
        record(h::write, "org-1", "CA-live", "rec-1", TestWav.make(TestWav.PCM, 8000, 1, 1000, false, 7));
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-live", p.toString()));
        h.await("the upload", () -> h.events("recording_evidence_published").size() == 1);
        JsonObject up = h.events("recording_uploaded").get(0);
        assertEquals("event", up.get("trigger").getAsString());
        assertTrue(up.get("latency_ms").getAsLong() >= 0);
        JsonObject m = manifest("org-1", "CA-live", "rec-1");
        assertEquals("uuid-live", m.get("channel_uuid").getAsString());
        assertEquals("esl RECORD_START and RECORD_STOP", m.get("record_times_source").getAsString());

        // The same RECORD_STOP again, and a recording outside the root: nothing uploaded, nothing touched.
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-live", p.toString()));
        Path outside = Files.writeString(tmp.resolve("outside.wav"), "not yours");
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-x", outside.toString()));
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-y", h.recordings + "/org-1/../../outside.wav"));
        h.await("the duplicate and the rejections", () -> h.events("recording_event_duplicate").size() == 1
                && h.events("recording_rejected").size() == 2);
        assertTrue(Files.exists(outside));
        assertEquals(1, gcp.creations(h.bucket, "org/org-1/recordings/CA-live/rec-1.wav"));
        assertMarkersNotIn(a);
        a.kill();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void uploadsThatFailAtFirstAreRetried() throws Exception {
        gcp.failUploads.set(3);
        record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"), String.join("\n", h.output()));
        assertAllUploadedExactlyOnce();
        assertTrue(gcp.uploadRequests() >= 5, "3 refused, then the recording and its manifest: " + gcp.uploadRequests());
        assertTrue(h.events("recording_upload_failed").isEmpty());
    }

    @Test
    void aFileThatKeepsFailingStaysOnDiskAndIsReportedOncePerGiveUp() throws Exception {
        gcp.failUploads.set(100_000);
        h.env.put("MP_MAX_ATTEMPTS", "1");
        Path p = record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"));
        assertTrue(Files.exists(p));
        List<JsonObject> failed = h.events("recording_upload_failed");
        assertEquals(1, failed.size(), String.join("\n", h.output()));
        assertEquals("object", failed.get(0).get("stage").getAsString());
        assertEquals("org/org-1/recordings/CA1/r1.wav", failed.get(0).get("object").getAsString());
        assertTrue(gcp.objects(h.bucket).isEmpty());
        gcp.failUploads.set(0);
        assertEquals(0, h.run("sweep"));
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aWrongChecksumInTheResponseIsResolvedAndBytesCorruptedInTransitAreRefused() throws Exception {
        gcp.wrongMd5Responses.set(1);
        record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"));
        assertAllUploadedExactlyOnce();
        gcp.corruptStores.set(1);
        record(h::writeOld, "org-1", "CA2", "r2", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 2));
        assertEquals(0, h.run("sweep"));
        assertEquals(1, gcp.md5Refusals() + gcp.crc32cRefusals(), "GCS compared the checksums the node sent with the bytes it received");
        assertAllUploadedExactlyOnce();
    }

    @Test
    void anObjectWithOtherBytesIsAConflictAndTheFileIsKept() throws Exception {
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1);
        Path local = h.writeOld("org-1", "CA1", "r1", bytes);
        byte[] other = bytes.clone();
        other[other.length - 1] ^= 0x5a;
        gcp.putObject(h.bucket, "org/org-1/recordings/CA1/r1.wav", other);
        assertEquals(0, h.run("sweep"));
        assertTrue(Files.exists(local));
        assertEquals(GcpStandIn.md5B64(other), gcp.objects(h.bucket).get("org/org-1/recordings/CA1/r1.wav").md5(), "never overwritten");
        JsonObject f = h.events("recording_upload_failed").get(0);
        assertTrue(f.get("error").getAsString().startsWith("checksum mismatch: gcs md5=" + GcpStandIn.md5B64(other)), f.toString());
        assertTrue(f.get("error").getAsString().contains("local md5=" + GcpStandIn.md5B64(bytes)), f.toString());
        assertEquals(List.of(), gcp.refusals());
        assertTrue(h.deletions().isEmpty());
        assertTrue(h.consumer.received().isEmpty());
        assertTokenNeverLogged();
    }

    @ParameterizedTest(name = "server commits the stalled upload after the kill: {0}")
    @ValueSource(booleans = {false, true})
    void killedMidUploadTheFileIsVerifiedAfterRestart(boolean commitAfterKill) throws Exception {
        gcp.stallNextUpload(commitAfterKill);
        record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 500, false, 11));
        AgentHarness.Agent first = h.start();
        assertTrue(gcp.awaitStall(60), "upload never reached the stand-in: " + h.output());
        assertMarkersNotIn(first);
        first.kill();
        gcp.releaseStall();
        if (commitAfterKill) {
            h.await("the stalled upload to commit", () -> gcp.objects(h.bucket).containsKey("org/org-1/recordings/CA1/r1.wav"));
        }
        assertTrue(Files.exists(localPath.get("org/org-1/recordings/CA1/r1.wav")), "killed mid-upload: the file stays");
        AgentHarness.Agent second = h.start();
        h.await("the restarted agent's sweep", () -> h.events("recording_evidence_published").size() == 1);
        second.kill();
        assertAllUploadedExactlyOnce();
        if (commitAfterKill) {
            assertTrue(gcp.preconditionFailures() >= 1, "the restart met the committed object and verified it");
        }
    }

    @Test
    void restartWithABacklogUploadsEverythingAndRepublishesLostEvents() throws Exception {
        gcp.failPublishes.set(100_000);
        h.env.put("MP_MAX_ATTEMPTS", "1");
        record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"));
        assertEquals(1, h.events("evidence_publish_failed").size(), String.join("\n", h.output()));
        assertTrue(Files.exists(h.state.resolve("outbox/org-1/CA1/r1.manifest.json")));
        gcp.failPublishes.set(0);
        h.env.put("MP_MAX_ATTEMPTS", "4");
        for (int i = 0; i < 20; i++) {
            record(h::writeOld, "org-2", "CB" + i, "r" + i, TestWav.make(TestWav.ALAW, 8000, 1, 200, false, 50 + i));
        }
        AgentHarness.Agent a = h.start();
        h.await("the backlog and the owed event", () -> h.events("recording_evidence_published").size() == 21);
        a.kill();
        assertEquals(21, h.consumer.received().size());
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aResponseLostAfterTheCommitIsVerifiedThroughThe412() throws Exception {
        gcp.lostResponses.set(1); // the recording is stored, the answer is a 503
        record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"), String.join("\n", h.output()));
        assertTrue(gcp.preconditionFailures() >= 1, "the retry met the committed object");
        assertAllUploadedExactlyOnce();
    }

    @Test
    void the412AfterALostResponseIsVerifiedAndALostOutboxAdoptsTheStoredManifest() throws Exception {
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 400, false, 5);
        record(h::writeOld, "org-1", "CA1", "r1", bytes);
        assertEquals(0, h.run("sweep"));
        String manifestName = "org/org-1/recordings/CA1/r1.manifest.json";
        byte[] stored = gcp.objects(h.bucket).get(manifestName).bytes();

        // The same recording again (a crash before the local delete, the state directory lost).
        Path again = h.write("org-1", "CA1", "r1", bytes);
        Files.setLastModifiedTime(again, FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(0, h.run("sweep"));
        assertFalse(Files.exists(again));
        assertTrue(gcp.preconditionFailures() >= 2, "the recording and the manifest met the precondition");
        assertEquals(1, gcp.creations(h.bucket, "org/org-1/recordings/CA1/r1.wav"));
        assertEquals(1, gcp.creations(h.bucket, manifestName));
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(gcp.objects(h.bucket).get(manifestName).bytes(), StandardCharsets.UTF_8));
        List<GcpStandIn.Message> msgs = h.consumer.received();
        assertEquals(2, msgs.size(), "at least once: the re-run announces the evidence of record again");
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(msgs.get(1).data(), StandardCharsets.UTF_8));
        assertEquals(List.of(), gcp.refusals());

        // A stored manifest that does not describe the file (other sha256) is not adopted: the file stays.
        JsonObject forged = JsonParser.parseString(new String(stored, StandardCharsets.UTF_8)).getAsJsonObject();
        forged.addProperty("sha256", "0".repeat(64));
        gcp.removeObjects(h.bucket, manifestName::equals);
        gcp.putObject(h.bucket, manifestName, forged.toString().getBytes(StandardCharsets.UTF_8));
        Path third = h.write("org-1", "CA1", "r1", bytes);
        Files.setLastModifiedTime(third, FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(0, h.run("sweep"));
        assertTrue(Files.exists(third));
        JsonObject f = h.events("recording_upload_failed").get(0);
        assertEquals("manifest", f.get("stage").getAsString());
        assertTrue(f.get("error").getAsString().contains("sha256"), f.toString());
        assertEquals(2, h.consumer.received().size(), "no event carries the foreign manifest");
        h.deletions().forEach(d -> assertTrue(d.verified(), d.toString()));
        assertTokenNeverLogged();
    }

    @Test
    void eslDropsMidCallAndTheLostRecordStopIsCoveredByTheReconnectSweep() throws Exception {
        h.env.put("MP_QUIET_SECONDS", "30");
        AgentHarness.Agent a = h.start();
        FakeFreeSwitch.Session first = h.fs.nextSession(60);
        assertTrue(first.awaitSubscribed());
        h.await("the start-up sweep", () -> h.events("esl_state").stream().anyMatch(e -> e.get("state").getAsString().equals("connected")));
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 800, false, 21);
        Path p = Files.createDirectories(h.recordings.resolve("org-1/CA-drop")).resolve("r1.wav");
        h.expect(p, bytes);
        written.put("org/org-1/recordings/CA-drop/r1.wav", bytes);
        localPath.put("org/org-1/recordings/CA-drop/r1.wav", p);
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_START", "uuid-drop", p.toString()));
        // The connection drops mid-call (FreeSWITCH closes it after RECORD_START: a reset could discard that event
        // unread) and stays refused while the call ends: its RECORD_STOP is never sent.
        h.fs.aclReject = true;
        first.closeGracefully();
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(bytes);
        }
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(120)));
        h.await("a refused reconnect", () -> h.events("esl_state").stream().anyMatch(e -> e.get("state").getAsString().equals("refused")));
        h.fs.aclReject = false;
        h.await("the reconnect sweep's upload", () -> h.events("recording_evidence_published").size() == 1);
        a.kill();
        assertAllUploadedExactlyOnce();
        assertEquals("uuid-drop", manifest("org-1", "CA-drop", "r1").get("channel_uuid").getAsString(), "RECORD_START's facts kept");
    }

    @Test
    void aRestartMidCallLeavesTheOpenRecordingUntilItsRecordStop() throws Exception {
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 500, false, 3);
        Path p = Files.createDirectories(h.recordings.resolve("org-1/CA1")).resolve("r1.wav");
        h.expect(p, bytes);
        AgentHarness.Agent a;
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(bytes, 0, 1000);
            out.flush();
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(600)));
            // Old mtime, but this JVM holds it open as FreeSWITCH does while recording: the start-up sweep leaves it.
            a = h.start();
            assertTrue(h.fs.nextSession(60).awaitSubscribed());
            h.await("the start-up sweep", () -> !h.events("sweep_finished").isEmpty());
            JsonObject sweep = h.events("sweep_finished").get(0);
            assertEquals(1, sweep.get("skipped_open").getAsInt(), sweep.toString());
            assertEquals(0, sweep.get("queued").getAsInt(), sweep.toString());
            assertTrue(gcp.objects(h.bucket).isEmpty(), gcp.objects(h.bucket).keySet().toString());
            out.write(bytes, 1000, bytes.length - 1000);
        }
        written.put("org/org-1/recordings/CA1/r1.wav", bytes);
        localPath.put("org/org-1/recordings/CA1/r1.wav", p);
        h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-1", p.toString()));
        h.await("the upload on RECORD_STOP", () -> h.events("recording_evidence_published").size() == 1);
        a.kill();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void diskFullUnderTheOutboxKeepsTheRecordingUntilItsEvidenceIsStored() throws Exception {
        Path stateMount = mountTmpfs("state-tmpfs", "64k");
        try {
            h.writeNodeEnv(h.recordings, stateMount);
            Files.createDirectories(stateMount.resolve("outbox/org-1/CA1"));
            Path filler = stateMount.resolve("filler");
            fillUp(filler);
            Path local = record(h::writeOld, "org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1));
            assertEquals(0, h.run("sweep"));
            JsonObject f = h.events("recording_upload_failed").get(0);
            assertEquals("manifest", f.get("stage").getAsString(), f.toString());
            assertTrue(f.get("error").getAsString().contains("disk full"), f.toString());
            assertTrue(Files.exists(local));
            assertTrue(h.deletions().isEmpty());
            Files.delete(filler);
            assertEquals(0, h.run("sweep"));
            assertAllUploadedExactlyOnce(stateMount);
        } finally {
            umount(stateMount);
        }
    }

    @Test
    void diskPressureIsReportedAndNothingUnverifiedIsDeleted() throws Exception {
        Path recMount = mountTmpfs("rec-tmpfs", "1m");
        try {
            h.writeNodeEnv(recMount, h.state);
            gcp.failUploads.set(100_000);
            h.env.put("MP_MAX_ATTEMPTS", "1");
            Path d = Files.createDirectories(recMount.resolve("org-1/CA1"));
            Files.write(d.resolve("r1.wav"), new byte[920 * 1024]);
            assertEquals(0, h.run("sweep"));
            JsonObject p = h.events("disk_pressure").get(0);
            assertTrue(p.get("used_percent").getAsInt() >= 85, p.toString());
            assertEquals(recMount.toString(), p.get("path").getAsString());
            assertTrue(Files.exists(d.resolve("r1.wav")));
            assertEquals(1, h.events("recording_upload_failed").size());
        } finally {
            umount(recMount);
        }
    }

    @Test
    void badConfigurationNamesTheKeyTheValueAndWhatIsAllowedAndExits78() throws Exception {
        Files.writeString(h.nodeEnv, Files.readString(h.nodeEnv).replace("RECORDINGS_BUCKET=" + h.bucket, "RECORDINGS_BUCKET=Bad_Bucket"));
        assertEquals(78, h.run("sweep"));
        JsonObject e = h.events("agent_config_error").get(0);
        assertEquals("RECORDINGS_BUCKET", e.get("key").getAsString());
        assertEquals("Bad_Bucket", e.get("value").getAsString());
        assertTrue(e.get("allowed").getAsString().contains("bucket"));
        assertEquals(64, h.run("frobnicate"));
        assertEquals(0, h.run("--help"));
        assertTrue(h.output().stream().anyMatch(l -> l.startsWith("usage: mediaplane-agent")));
    }

    @Test
    void theAgentRunsWithoutThePulumiSdkFreemarkerSnakeyamlOrPicocli() {
        String full = System.getProperty("java.class.path");
        assertTrue(full.contains("/com/pulumi/") && full.contains("/info/picocli/"), "the test classpath lists its jars: " + full);
        String agent = AgentHarness.agentClasspath();
        for (String left : List.of("/com/pulumi/", "/org/freemarker/", "/org/yaml/snakeyaml/", "/info/picocli/")) {
            assertFalse(agent.contains(left), left + " on the agent's classpath");
        }
        // Every scenario above ran the agent on exactly this classpath.
    }

    // ---------------------------------------------------------------------------------------------

    interface Writer {
        Path write(String org, String call, String rec, byte[] bytes) throws IOException;
    }

    Path record(Writer w, String org, String call, String rec, byte[] bytes) throws IOException {
        Path p = w.write(org, call, rec, bytes);
        String object = "org/" + org + "/recordings/" + call + "/" + rec + ".wav";
        written.put(object, bytes);
        localPath.put(object, p);
        return p;
    }

    void assertAllUploadedExactlyOnce() throws Exception {
        assertAllUploadedExactlyOnce(h.state);
    }

    void assertAllUploadedExactlyOnce(Path stateDir) throws Exception {
        Thread.sleep(50); // one judge poll after the last deletion
        Map<String, GcpStandIn.StoredObject> objects = gcp.objects(h.bucket);
        for (Map.Entry<String, byte[]> e : written.entrySet()) {
            GcpStandIn.StoredObject o = objects.get(e.getKey());
            assertTrue(o != null, "missing object " + e.getKey() + " in " + objects.keySet() + "\n" + String.join("\n", h.output()));
            assertEquals(GcpStandIn.md5B64(e.getValue()), o.md5(), "bytes of " + e.getKey());
            assertEquals(1, gcp.creations(h.bucket, e.getKey()), "created once: " + e.getKey());
            String manifest = e.getKey().replaceAll("\\.wav$", ".manifest.json");
            assertTrue(objects.containsKey(manifest), "missing " + manifest);
            assertEquals(1, gcp.creations(h.bucket, manifest), "created once: " + manifest);
            assertFalse(Files.exists(localPath.get(e.getKey())), "uploaded file still local: " + e.getKey());
        }
        assertEquals(2 * written.size(), objects.size(), "no other objects: " + objects.keySet());
        List<AgentHarness.Deletion> deletions = h.deletions();
        deletions.forEach(d -> assertTrue(d.verified(), "deleted unverified: " + d));
        for (Path p : localPath.values()) {
            assertTrue(deletions.stream().anyMatch(d -> d.path().equals(p)), p + " vanished without a judged deletion");
        }
        try (Stream<Path> s = Files.walk(stateDir.resolve("outbox"))) {
            List<Path> left = s.filter(Files::isRegularFile).toList();
            assertTrue(left.isEmpty(), "unpublished evidence: " + left);
        }
        assertTokenNeverLogged();
    }

    void assertTokenNeverLogged() throws IOException {
        for (String marker : List.of(h.token(), h.eslPassword)) {
            h.output().forEach(l -> assertFalse(l.contains(marker), "marker in output: " + l));
            try (Stream<Path> files = Files.walk(tmp)) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.equals(h.eslConf)).toList()) {
                    assertFalse(Files.readString(f, StandardCharsets.ISO_8859_1).contains(marker), "marker in " + f);
                }
            }
        }
        assertEquals(List.of(), gcp.refusals(), "every API call carried the token and was allowed");
    }

    void assertMarkersNotIn(AgentHarness.Agent a) throws IOException {
        String argv = a.commandLine();
        String environ = a.environ();
        for (String marker : List.of(h.token(), h.eslPassword)) {
            assertFalse(argv.contains(marker), "marker in argv");
            assertFalse(environ.contains(marker), "marker in the environment");
        }
    }

    JsonObject manifest(String org, String call, String rec) {
        GcpStandIn.StoredObject o = gcp.objects(h.bucket).get("org/" + org + "/recordings/" + call + "/" + rec + ".manifest.json");
        assertTrue(o != null, "no manifest for " + rec);
        assertEquals("application/json", o.contentType());
        return JsonParser.parseString(new String(o.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    Path mountTmpfs(String name, String size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(p.waitFor() == 0, "needs root to mount a small tmpfs (disk full for real): " + out);
        return dir;
    }

    /**
     * Unmounts: first moves the harness's deletion judge (it walks the recordings directory every 2 ms from this
     * JVM, and a walk holding a directory open makes umount fail with EBUSY, which fails @TempDir's cleanup), then
     * retries while the mount is still busy. Fails the test if the mount is still there after 10 s.
     */
    void umount(Path dir) throws Exception {
        h.stopJudging(dir);
        String out = "";
        for (int i = 0; i < 200; i++) {
            Process p = new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return;
            }
            Thread.sleep(50);
        }
        new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
        throw new AssertionError("umount " + dir + " kept failing for 10 s: " + out);
    }

    static void fillUp(Path filler) {
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // ENOSPC: the point
        }
    }
}
