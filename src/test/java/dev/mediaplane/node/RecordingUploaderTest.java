package dev.mediaplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.RequiredTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives the real uploader script (bash, curl, jq, inotifywait, flock) against the loopback GCS,
 * metadata and Pub/Sub stand-in, with injected faults. After each scenario the same invariants are
 * checked: every recording exists exactly once under its contract name with its bytes, every local
 * deletion was judged verified while the file still existed, and the token appears nowhere.
 */
class RecordingUploaderTest {

    @TempDir Path tmp;
    GcpStandIn gcp;
    UploaderHarness h;
    /** Recordings the scenario wrote: object name -> original bytes. */
    final Map<String, byte[]> written = new LinkedHashMap<>();
    final Map<String, Path> localPath = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        var cloud = UploaderHarness.plannedCloud();
        gcp = cloud.gcp();
        h = new UploaderHarness(tmp, cloud);
    }

    @AfterEach
    void tearDown() {
        h.close();
        gcp.close();
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void backlogIsUploadedOnceWithManifestAndEvidenceEvent() throws Exception {
        record(h::writeOld, "org-1", "CA01", "rec-pcm", Wav.make(Wav.PCM, 8000, 1, 1500, false, 1));
        record(h::writeOld, "org-1", "CA01", "rec-alaw", Wav.make(Wav.ALAW, 8000, 2, 2000, true, 2));
        record(h::writeOld, "org_2", "CA.02", "rec-mulaw", Wav.make(Wav.MULAW, 16000, 1, 750, true, 3));
        record(h::writeOld, "org_2", "CA.02", "not-a-wav", "this is not RIFF".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 12; i++) {
            record(h::writeOld, "org-3", "CA" + i, "r" + i, Wav.make(Wav.PCM, 8000, 1, 200, false, 100 + i));
        }

        assertEquals(0, h.run("sweep"), String.join("\n", h.output()));

        assertAllUploadedExactlyOnce();
        assertManifest("org-1", "CA01", "rec-pcm", "pcm", 8000, 1, 16, 1500);
        assertManifest("org-1", "CA01", "rec-alaw", "alaw", 8000, 2, 8, 2000);
        assertManifest("org_2", "CA.02", "rec-mulaw", "mulaw", 16000, 1, 8, 750);
        JsonObject notWav = manifest("org_2", "CA.02", "not-a-wav");
        assertEquals("unknown", notWav.getAsJsonObject("audio").get("format").getAsString());
        assertTrue(notWav.getAsJsonObject("audio").get("note").getAsString().contains("not a RIFF"));

        // One evidence event per recording, carrying the manifest object's exact bytes.
        List<GcpStandIn.Message> msgs = h.consumer.received();
        assertEquals(written.size(), msgs.size());
        for (GcpStandIn.Message m : msgs) {
            assertEquals("recording.evidence", m.attributes().get("event_type"));
            String object = m.attributes().get("object");
            String manifestName = object.replaceAll("\\.wav$", ".manifest.json");
            assertEquals(new String(gcp.objects(h.bucket).get(manifestName).bytes(), StandardCharsets.UTF_8),
                    new String(m.data(), StandardCharsets.UTF_8));
            JsonObject data = JsonParser.parseString(new String(m.data(), StandardCharsets.UTF_8)).getAsJsonObject();
            assertEquals(data.get("organization_id").getAsString(), m.attributes().get("organization_id"));
            assertEquals(data.get("call_sid").getAsString(), m.attributes().get("call_sid"));
        }
        assertEquals(written.size(), h.events("recording_uploaded").size());
        assertOutboxEmpty();
    }

    @Test
    void watcherUploadsWhenFreeswitchClosesTheFileNotOnASweep() throws Exception {
        // A quiet period longer than the test: only the close_write event can start this upload.
        h.env.put("MP_QUIET_SECONDS", "3600");
        // The call's directory exists before the watcher: only the file's close_write can trigger.
        Files.createDirectories(h.recordings.resolve("org-1/CA-live"));
        UploaderHarness.Running w = h.start("watch");
        h.await("the watcher to watch", () -> !h.events("uploader_watching").isEmpty());
        record(h::write, "org-1", "CA-live", "rec-1", Wav.make(Wav.PCM, 8000, 1, 1000, false, 7));
        h.await("the upload", () -> h.events("recording_uploaded").size() == 1);
        JsonObject up = h.events("recording_uploaded").get(0);
        assertEquals("org/org-1/recordings/CA-live/rec-1.wav", up.get("object").getAsString());
        assertTrue(up.get("latency_ms").getAsLong() >= 0, up.toString());
        h.await("the evidence event", () -> h.events("recording_evidence_published").size() == 1);
        w.kill();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void uploadsThatFailAtFirstAreRetriedWithBackoff() throws Exception {
        gcp.failUploads.set(3);
        record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));

        assertEquals(0, h.run("sweep"));

        assertAllUploadedExactlyOnce();
        assertEquals(4, h.events("recording_uploaded").get(0).get("attempts").getAsInt());
        assertTrue(h.events("recording_upload_failed").isEmpty());
    }

    @Test
    void aFileThatKeepsFailingStaysOnDiskAndIsReportedOncePerGiveUp() throws Exception {
        gcp.failUploads.set(1000);
        record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));

        assertEquals(0, h.run("sweep"));

        assertTrue(Files.exists(localPath.get("org/org-1/recordings/CA1/r1.wav")));
        assertTrue(gcp.objects(h.bucket).isEmpty());
        List<JsonObject> failed = h.events("recording_upload_failed");
        assertEquals(1, failed.size(), h.output().toString());
        JsonObject f = failed.get(0);
        assertEquals(4, f.get("attempts").getAsInt());
        assertEquals("org/org-1/recordings/CA1/r1.wav", f.get("object").getAsString());
        assertEquals("org-1", f.get("organization_id").getAsString());
        assertEquals("CA1", f.get("call_sid").getAsString());
        assertEquals("r1", f.get("recording_id").getAsString());
        assertTrue(f.get("error").getAsString().contains("503"), f.toString());
        assertTrue(h.deletions().isEmpty());

        // The next sweep (the timer) succeeds once GCS is back.
        gcp.failUploads.set(0);
        assertEquals(0, h.run("sweep"));
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aWrongChecksumInTheResponseIsResolvedByReadingTheObjectBack() throws Exception {
        gcp.wrongMd5Responses.set(1);
        record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));

        assertEquals(0, h.run("sweep"));

        assertAllUploadedExactlyOnce();
        // The retry read the object's metadata back instead of sending the bytes again.
        assertEquals(2, gcp.uploadRequests(), "one wav and one manifest upload");
        assertEquals(2, h.events("recording_uploaded").get(0).get("attempts").getAsInt());
    }

    @Test
    void bytesCorruptedInTransitAreRefusedByGcsBecauseTheMd5IsSentAndTheRetryStoresTheRightOnes() throws Exception {
        gcp.corruptStores.set(1);
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 300, false, 1);
        record(h::writeOld, "org-1", "CA1", "r1", bytes);

        assertEquals(0, h.run("sweep"));

        assertEquals(1, gcp.md5Refusals(), "GCS compared the md5 the node sent with the bytes it received");
        assertAllUploadedExactlyOnce();
        assertEquals(2, h.events("recording_uploaded").get(0).get("attempts").getAsInt());
    }

    @Test
    void anObjectWithOtherBytesUnderTheNameIsReportedAsAChecksumMismatchAndTheLocalFileIsKept() throws Exception {
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 300, false, 1);
        Path local = record(h::writeOld, "org-1", "CA1", "r1", bytes);
        String object = "org/org-1/recordings/CA1/r1.wav";
        byte[] other = bytes.clone();
        other[other.length - 1] ^= 0x5a;
        // Corrupted at rest, or written by something that is not this recording.
        gcp.putObject(h.bucket, object, other);

        assertEquals(0, h.run("sweep"));

        assertTrue(Files.exists(local), "a file whose object does not match must never be deleted");
        assertEquals(GcpStandIn.md5B64(other), gcp.objects(h.bucket).get(object).md5(), "never overwritten");
        JsonObject f = h.events("recording_upload_failed").get(0);
        String error = f.get("error").getAsString();
        assertTrue(error.startsWith("checksum mismatch: gcs md5=" + GcpStandIn.md5B64(other)), f.toString());
        assertTrue(error.contains("local md5=" + GcpStandIn.md5B64(bytes)), f.toString());
        assertEquals(List.of(), gcp.refusals(), "the read-back is allowed: the log names the mismatch, not a 403");
        assertTrue(h.deletions().isEmpty());
        assertTrue(h.consumer.received().isEmpty(), "no evidence for an object that is not the recording");
        assertEquals(1, gcp.uploadRequests(), "retries of a conflict read the object, they do not resend the body");
        assertEquals(4, f.get("attempts").getAsInt());
    }

    @ParameterizedTest(name = "server commits the stalled upload after the kill: {0}")
    @ValueSource(booleans = {false, true})
    void killedMidUploadTheFileIsRetriedAfterRestart(boolean commitAfterKill) throws Exception {
        if (commitAfterKill) {
            }
        gcp.stallNextUpload(commitAfterKill);
        UploaderHarness.Running first = h.start("watch");
        h.await("the watcher to watch", () -> !h.events("uploader_watching").isEmpty());
        record(h::write, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 500, false, 11));
        assertTrue(gcp.awaitStall(60), "upload never reached the stand-in: " + h.output());

        // While curl is in flight: the bearer token is in no process's argv.
        List<String> argv = first.commandLines();
        assertTrue(argv.stream().anyMatch(l -> l.contains("curl")), "curl should be running: " + argv);
        argv.forEach(l -> assertFalse(l.contains(h.token()), "token in argv: " + l));

        first.kill();
        gcp.releaseStall();
        if (commitAfterKill) {
            h.await("the stalled upload to commit", () -> gcp.objects(h.bucket).containsKey("org/org-1/recordings/CA1/r1.wav"));
        }
        assertTrue(Files.exists(localPath.get("org/org-1/recordings/CA1/r1.wav")), "killed mid-upload: file must stay");

        UploaderHarness.Running second = h.start("watch");
        h.await("the restarted watcher's sweep to upload", () -> h.events("recording_uploaded").size() == 1);
        h.await("the evidence event", () -> h.events("recording_evidence_published").size() == 1);
        second.kill();
        assertAllUploadedExactlyOnce();
        if (commitAfterKill) {
            assertTrue(gcp.preconditionFailures() >= 1, "the restart found the committed object and verified it");
        }
    }

    @Test
    void watcherAndSweepNeverUploadTheSameFileConcurrently() throws Exception {
        UploaderHarness.Running w = h.start("watch");
        h.await("the watcher to watch", () -> !h.events("uploader_watching").isEmpty());
        List<Thread> sweeps = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            record(h::writeByRename, "org-1", "CA" + (i % 5), "r" + i, Wav.make(Wav.PCM, 8000, 1, 100, false, i));
            if (i % 10 == 5) {
                Thread t = new Thread(() -> {
                    try {
                        h.run("sweep");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                sweeps.add(t);
            }
        }
        for (Thread t : sweeps) {
            t.join(180_000);
        }
        h.await("all 30 uploads", () -> h.events("recording_uploaded").size() >= 30);
        h.await("all evidence", () -> h.events("recording_evidence_published").size() >= 30);
        w.kill();
        assertAllUploadedExactlyOnce();
        assertEquals(30, h.events("recording_uploaded").size(), "each recording processed once");
        assertEquals(0, gcp.preconditionFailures(), "a second uploader of the same file would hit the precondition");
        assertEquals(60, gcp.uploadRequests(), "one wav and one manifest upload per recording");
    }

    @Test
    void restartWithABacklogUploadsEverythingAndRepublishesLostEvents() throws Exception {
        gcp.failPublishes.set(1000);
        record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"));
        // The recording and its manifest are verified in the bucket; the event is owed.
        assertEquals(1, h.events("evidence_publish_failed").size());
        assertTrue(Files.exists(h.state.resolve("outbox/org-1/CA1/r1.manifest.json")));
        assertTrue(h.consumer.received().isEmpty());

        // A backlog accumulates while the node is down, then the service starts.
        gcp.failPublishes.set(0);
        for (int i = 0; i < 20; i++) {
            record(h::writeOld, "org-2", "CB" + i, "r" + i, Wav.make(Wav.ALAW, 8000, 1, 200, false, 50 + i));
        }
        UploaderHarness.Running w = h.start("watch");
        h.await("the backlog", () -> h.events("recording_uploaded").size() == 21);
        h.await("every event incl. the republished one", () -> h.events("recording_evidence_published").size() == 21);
        w.kill();
        assertEquals(21, h.consumer.received().size(), "one event per recording, the failed one republished once");
        assertAllUploadedExactlyOnce();
        assertOutboxEmpty();
    }

    @Test
    void aRerunAfterALostOutboxAdoptsTheStoredManifestInsteadOfConflicting() throws Exception {
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 400, false, 5);
        record(h::writeOld, "org-1", "CA1", "r1", bytes);
        assertEquals(0, h.run("sweep"));
        String manifestName = "org/org-1/recordings/CA1/r1.manifest.json";
        byte[] stored = gcp.objects(h.bucket).get(manifestName).bytes();

        // The same recording appears again (restored from a backup, or a crash before the local
        // delete with the state directory lost): new mtime, so a fresh manifest would differ.
        Path again = h.write("org-1", "CA1", "r1", bytes);
        Files.setLastModifiedTime(again, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(0, h.run("sweep"));

        assertFalse(Files.exists(again));
        assertEquals(1, gcp.creations(h.bucket, "org/org-1/recordings/CA1/r1.wav"));
        assertEquals(1, gcp.creations(h.bucket, manifestName));
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(gcp.objects(h.bucket).get(manifestName).bytes(), StandardCharsets.UTF_8));
        List<GcpStandIn.Message> msgs = h.consumer.received();
        assertEquals(2, msgs.size(), "at least once: the re-run announces the evidence of record again");
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(msgs.get(1).data(), StandardCharsets.UTF_8));
        assertTrue(h.events("recording_upload_failed").isEmpty(), h.output().toString());
        h.deletions().forEach(d -> assertTrue(d.verified(), d.toString()));
        assertTokenNeverLogged();
    }

    @Test
    void theReadBackAfterA412IsAllowedByThePlannedRoleAndTheRepeatIsVerifiedNotDuplicated() throws Exception {
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 400, false, 5);
        record(h::writeOld, "org-1", "CA1", "r1", bytes);
        assertEquals(0, h.run("sweep"));
        String object = "org/org-1/recordings/CA1/r1.wav";
        assertEquals(1, gcp.creations(h.bucket, object));

        // The same recording again (a crash before the local delete): the upload meets the
        // precondition and the uploader must read the object back (storage.objects.get).
        Path again = h.write("org-1", "CA1", "r1", bytes);
        Files.setLastModifiedTime(again, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(0, h.run("sweep"));

        assertFalse(Files.exists(again), "verified against the stored object, then removed");
        assertTrue(gcp.preconditionFailures() >= 1);
        assertTrue(h.events("recording_upload_failed").isEmpty(), h.output().toString());
        assertEquals(List.of(), gcp.refusals());
        assertEquals(1, gcp.creations(h.bucket, object), "never a second object");
        h.deletions().forEach(d -> assertTrue(d.verified(), d.toString()));
    }

    @Test
    void theNodeMayWriteAndReadOnlyUnderOrgAndNeverDeleteOrOverwrite() throws Exception {
        String outside = "elsewhere/x.wav";
        gcp.putObject(h.bucket, outside, new byte[] {1});
        var http = java.net.http.HttpClient.newHttpClient();
        String auth = "Bearer " + h.token();
        var get = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                gcp.url() + "/storage/v1/b/" + h.bucket + "/o/elsewhere%2Fx.wav")).header("Authorization", auth).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, get.statusCode(), "the condition limits the role to org/: " + get.body());
        var put = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                gcp.url() + "/upload/storage/v1/b/" + h.bucket + "/o?uploadType=media&name=elsewhere%2Fy.wav"))
                .header("Authorization", auth).POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, put.statusCode(), put.body());
        gcp.putObject(h.bucket, "org/o/recordings/c/r.wav", new byte[] {2});
        var overwrite = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                gcp.url() + "/upload/storage/v1/b/" + h.bucket + "/o?uploadType=media&name=org%2Fo%2Frecordings%2Fc%2Fr.wav"))
                .header("Authorization", auth).POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, overwrite.statusCode(), "replacing needs storage.objects.delete, which the node lacks: " + overwrite.body());
        assertTrue(overwrite.body().contains("storage.objects.delete"), overwrite.body());
    }

    @Test
    void aStoredManifestThatDoesNotDescribeTheLocalFileIsNotAdoptedAndTheFileIsKept() throws Exception {
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 400, false, 5);
        record(h::writeOld, "org-1", "CA1", "r1", bytes);
        assertEquals(0, h.run("sweep"));
        String manifestName = "org/org-1/recordings/CA1/r1.manifest.json";
        JsonObject stored = JsonParser.parseString(new String(gcp.objects(h.bucket).get(manifestName).bytes(),
                StandardCharsets.UTF_8)).getAsJsonObject();
        // Same object, generation and md5 (what adoption checked before), wrong sha256: a corrupted
        // or forged manifest must not become the evidence of record.
        stored.addProperty("sha256", "0".repeat(64));
        gcp.removeObjects(h.bucket, manifestName::equals);
        gcp.putObject(h.bucket, manifestName, stored.toString().getBytes(StandardCharsets.UTF_8));
        int eventsBefore = h.consumer.received().size();

        Path again = h.write("org-1", "CA1", "r1", bytes);
        Files.setLastModifiedTime(again, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(0, h.run("sweep"));

        assertTrue(Files.exists(again), "without matching evidence the recording stays on disk");
        JsonObject f = h.events("recording_upload_failed").get(0);
        assertEquals("manifest", f.get("stage").getAsString(), f.toString());
        assertTrue(f.get("error").getAsString().contains("sha256"), f.toString());
        assertEquals(1, h.deletions().size(), "only the first, verified copy was deleted");
        assertEquals(eventsBefore, h.consumer.received().size(), "no event carries the foreign manifest");
    }

    @Test
    void anEventPublishedWithNoConsumerOnlineIsDeliveredWhenTheConsumerPullsLater() throws Exception {
        assertTrue(h.subscription != null, "the plan declares a subscription for " + UploaderHarness.CONSUMER
                + "; without one an event published now is lost");
        record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));
        assertEquals(0, h.run("sweep"));
        assertOutboxEmpty();
        // The uploader forgot the event once Pub/Sub acknowledged it; the consumer was never online.

        List<GcpStandIn.Message> msgs = h.consumer.received();
        assertEquals(1, msgs.size());
        assertEquals("org/org-1/recordings/CA1/r1.wav", msgs.get(0).attributes().get("object"));

        // A consumer added after the fact (a new pipeline) replays from the topic's retention with a seek.
        Instant before = Instant.now().minusSeconds(3600);
        gcp.createSubscription("late-consumer", h.topic);
        gcp.iam.grant(gcp.subscriptionResource("late-consumer"), GcpStandIn.sa(UploaderHarness.CONSUMER), "roles/pubsub.subscriber");
        gcp.seek("late-consumer", before);
        assertEquals(1, gcp.subscriber("late-consumer", UploaderHarness.CONSUMER).received().size(),
                "the topic retains messages (messageRetentionDuration), so a seek replays them");
    }

    @Test
    void aHeaderLeftByAKilledRecorderIsRepairedFromTheFileSize() throws Exception {
        byte[] bytes = Wav.make(Wav.MULAW, 8000, 1, 1000, false, 9);
        // data chunk size 0, as a recorder killed before fixing up the header leaves it
        int dataSizeAt = bytes.length - 8000 - 4;
        bytes[dataSizeAt] = bytes[dataSizeAt + 1] = bytes[dataSizeAt + 2] = bytes[dataSizeAt + 3] = 0;
        record(h::writeOld, "org-1", "CA1", "killed", bytes);

        assertEquals(0, h.run("sweep"));

        assertAllUploadedExactlyOnce();
        JsonObject audio = manifest("org-1", "CA1", "killed").getAsJsonObject("audio");
        assertEquals(1000, audio.get("duration_ms").getAsLong());
        assertEquals("mulaw", audio.get("format").getAsString());
        assertTrue(audio.get("note").getAsString().contains("repaired"), audio.toString());
    }

    @Test
    void theSweepLeavesAFileThatIsStillOpenForWriting() throws Exception {
        byte[] bytes = Wav.make(Wav.PCM, 8000, 1, 500, false, 3);
        Path p = Files.createDirectories(h.recordings.resolve("org-1/CA1")).resolve("r1.wav");
        try (var out = Files.newOutputStream(p)) {
            out.write(bytes, 0, 1000);
            out.flush();
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(600)));
            // Old mtime, but this JVM still holds it open, as FreeSWITCH does while recording.
            assertEquals(0, h.run("sweep"));
            assertTrue(gcp.objects(h.bucket).isEmpty(), gcp.objects(h.bucket).keySet().toString());
            out.write(bytes, 1000, bytes.length - 1000);
        }
        written.put("org/org-1/recordings/CA1/r1.wav", bytes);
        localPath.put("org/org-1/recordings/CA1/r1.wav", p);
        assertEquals(0, h.run("sweep"));
        assertAllUploadedExactlyOnce();
    }

    @Test
    void disallowedPathsAreReportedAndNeverTouched() throws Exception {
        Path tooDeep = Files.createDirectories(h.recordings.resolve("org-1/CA1/sub")).resolve("r.wav");
        Path badId = Files.createDirectories(h.recordings.resolve("org 1/CA1")).resolve("r.wav");
        Path outside = Files.writeString(tmp.resolve("outside.wav"), "not yours");
        Path link = Files.createDirectories(h.recordings.resolve("org-1/CA2")).resolve("link.wav");
        Files.write(tooDeep, Wav.make(Wav.PCM, 8000, 1, 100, false, 1));
        Files.write(badId, Wav.make(Wav.PCM, 8000, 1, 100, false, 2));
        Files.createSymbolicLink(link, outside);

        assertEquals(0, h.run("sweep"));

        assertTrue(gcp.objects(h.bucket).isEmpty(), gcp.objects(h.bucket).keySet().toString());
        assertTrue(Files.exists(tooDeep) && Files.exists(badId) && Files.isSymbolicLink(link) && Files.exists(outside));
        List<String> rejected = h.events("recording_rejected").stream().map(o -> o.get("path").getAsString()).toList();
        assertTrue(rejected.containsAll(List.of(tooDeep.toString(), badId.toString(), link.toString())), rejected.toString());
    }

    @Test
    void diskFullWhileWritingTheManifestKeepsTheRecordingUntilItCanFinish() throws Exception {
        Path stateMount = mountTmpfs("state-tmpfs", "64k");
        try {
            h.env.put("MP_UPLOADER_STATE_DIR", stateMount.toString());
            Files.createDirectories(stateMount.resolve("outbox/org-1/CA1"));
            Path filler = stateMount.resolve("filler");
            fillUp(filler);
            Path local = record(h::writeOld, "org-1", "CA1", "r1", Wav.make(Wav.PCM, 8000, 1, 300, false, 1));

            assertEquals(0, h.run("sweep"));

            JsonObject f = h.events("recording_upload_failed").get(0);
            assertEquals("manifest", f.get("stage").getAsString(), f.toString());
            assertTrue(f.get("error").getAsString().contains("disk full"), f.toString());
            assertTrue(Files.exists(local), "recording kept until its evidence is stored");
            assertTrue(h.deletions().isEmpty());

            Files.delete(filler);
            assertEquals(0, h.run("sweep"));
            assertAllUploadedExactlyOnce();
        } finally {
            umount(stateMount);
        }
    }

    @Test
    void diskPressureIsReportedAndNothingUnverifiedIsDeleted() throws Exception {
        Path recMount = mountTmpfs("rec-tmpfs", "1m");
        try {
            Files.writeString(h.nodeEnv, Files.readString(h.nodeEnv).replace(
                    "RECORDINGS_DIR=" + h.recordings, "RECORDINGS_DIR=" + recMount));
            h.recordingsDir(recMount);
            gcp.failUploads.set(1000);
            h.env.put("MP_MAX_ATTEMPTS", "1");
            byte[] big = new byte[920 * 1024];
            Path d = Files.createDirectories(recMount.resolve("org-1/CA1"));
            Files.write(d.resolve("r1.wav"), big);

            assertEquals(0, h.run("sweep"));

            JsonObject p = h.events("disk_pressure").get(0);
            assertTrue(p.get("used_percent").getAsInt() >= 85, p.toString());
            assertTrue(Files.exists(d.resolve("r1.wav")));
            assertEquals(1, h.events("recording_upload_failed").size());
        } finally {
            umount(recMount);
        }
    }

    @Test
    void scriptPassesShellcheck() throws Exception {
        RequiredTools.require("shellcheck");
        Process p = new ProcessBuilder("shellcheck", "-x", UploaderHarness.SCRIPT.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void badConfigurationNamesTheKeyTheValueAndWhatIsAllowed() throws Exception {
        Files.writeString(h.nodeEnv, Files.readString(h.nodeEnv).replace("RECORDINGS_BUCKET=" + h.bucket, "RECORDINGS_BUCKET=Bad_Bucket"));
        assertEquals(78, h.run("sweep"));
        JsonObject e = h.events("uploader_config_error").get(0);
        assertEquals("RECORDINGS_BUCKET", e.get("key").getAsString());
        assertEquals("Bad_Bucket", e.get("value").getAsString());
        assertTrue(e.get("allowed").getAsString().contains("bucket"));
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

    /** The invariants every scenario ends with. */
    void assertAllUploadedExactlyOnce() throws IOException {
        Map<String, GcpStandIn.StoredObject> objects = gcp.objects(h.bucket);
        for (Map.Entry<String, byte[]> e : written.entrySet()) {
            GcpStandIn.StoredObject o = objects.get(e.getKey());
            assertTrue(o != null, "missing object " + e.getKey() + " in " + objects.keySet() + "\n" + h.output());
            assertEquals(GcpStandIn.md5B64(e.getValue()), o.md5(), "bytes of " + e.getKey());
            assertEquals(1, gcp.creations(h.bucket, e.getKey()), "created once: " + e.getKey());
            String manifest = e.getKey().replaceAll("\\.wav$", ".manifest.json");
            assertTrue(objects.containsKey(manifest), "missing " + manifest);
            assertEquals(1, gcp.creations(h.bucket, manifest), "created once: " + manifest);
            assertFalse(Files.exists(localPath.get(e.getKey())), "uploaded file still local: " + e.getKey());
        }
        assertEquals(2 * written.size(), objects.size(), "no other objects: " + objects.keySet());
        // Every local deletion was judged by the stand-in while the file still existed.
        List<UploaderHarness.Deletion> deletions = h.deletions();
        deletions.forEach(d -> assertTrue(d.verified(), "deleted unverified: " + d));
        for (Path p : localPath.values()) {
            assertTrue(deletions.stream().anyMatch(d -> d.path().equals(p.toString())),
                    p + " vanished without a judged deletion");
        }
        assertTokenNeverLogged();
    }

    void assertTokenNeverLogged() throws IOException {
        h.output().forEach(l -> assertFalse(l.contains(h.token()), "token in output: " + l));
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(f, StandardCharsets.ISO_8859_1).contains(h.token()), "token in " + f);
            }
        }
        assertEquals(List.of(), gcp.refusals(), "every API call carried the token and was allowed");
    }

    void assertOutboxEmpty() throws IOException {
        try (Stream<Path> s = Files.walk(h.state.resolve("outbox"))) {
            List<Path> left = s.filter(Files::isRegularFile).toList();
            assertTrue(left.isEmpty(), "unpublished evidence: " + left);
        }
    }

    JsonObject manifest(String org, String call, String rec) {
        GcpStandIn.StoredObject o = gcp.objects(h.bucket).get("org/" + org + "/recordings/" + call + "/" + rec + ".manifest.json");
        assertTrue(o != null, "no manifest for " + rec);
        assertEquals("application/json", o.contentType());
        return JsonParser.parseString(new String(o.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    void assertManifest(String org, String call, String rec, String format, int rate, int channels, int bits, long durationMs) {
        JsonObject m = manifest(org, call, rec);
        String object = "org/" + org + "/recordings/" + call + "/" + rec + ".wav";
        byte[] bytes = written.get(object);
        GcpStandIn.StoredObject wav = gcp.objects(h.bucket).get(object);
        assertEquals("mediaplane.recording-evidence.v1", m.get("schema").getAsString());
        assertEquals(org, m.get("organization_id").getAsString());
        assertEquals(call, m.get("call_sid").getAsString());
        assertEquals(rec, m.get("recording_id").getAsString());
        assertEquals(object, m.get("object").getAsString());
        assertEquals(h.bucket, m.get("bucket").getAsString());
        assertEquals(GcpStandIn.sha256Hex(bytes), m.get("sha256").getAsString());
        assertEquals(bytes.length, m.get("size_bytes").getAsLong());
        assertEquals(String.valueOf(wav.generation()), m.get("generation").getAsString());
        assertEquals(GcpStandIn.md5B64(bytes), m.get("md5Hash").getAsString());
        assertEquals(GcpStandIn.crc32cB64(bytes), m.get("crc32c").getAsString());
        assertEquals("md5", m.get("checksum_verified").getAsString());
        JsonObject audio = m.getAsJsonObject("audio");
        assertEquals(format, audio.get("format").getAsString());
        assertEquals(rate, audio.get("sample_rate").getAsInt());
        assertEquals(channels, audio.get("channels").getAsInt());
        assertEquals(bits, audio.get("bits_per_sample").getAsInt());
        assertEquals(durationMs, audio.get("duration_ms").getAsLong());
        assertEquals("mp-node-test", m.get("node").getAsString());
        assertEquals("0123abcd", m.get("release_hash").getAsString());
        Instant start = Instant.parse(m.get("record_start").getAsString());
        Instant stop = Instant.parse(m.get("record_stop").getAsString());
        assertEquals(durationMs, stop.toEpochMilli() - start.toEpochMilli());
        assertFalse(Instant.parse(m.get("uploaded_at").getAsString()).isBefore(stop));
    }

    Path mountTmpfs(String name, String size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(p.waitFor() == 0, "needs root to mount a small tmpfs (disk full for real): " + out);
        return dir;
    }

    void umount(Path dir) throws Exception {
        new ProcessBuilder("umount", dir.toString()).inheritIO().start().waitFor();
    }

    static void fillUp(Path filler) {
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // ENOSPC: the filesystem is full, which is the point
        }
    }
}
