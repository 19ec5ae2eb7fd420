package dev.mediaplane.agent.recordings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.agent.NodeEnv;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline's logic against a strict in-memory bucket and topic ({@link MemoryBucket}). */
class RecordingPipelineTest {

    @TempDir Path tmp;
    Path recordings;
    Path state;
    MemoryBucket bucket;
    RecordingPipeline pipeline;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final Map<String, byte[]> written = new LinkedHashMap<>();
    final List<String> observed = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        recordings = Files.createDirectories(tmp.resolve("recordings"));
        state = tmp.resolve("state");
        bucket = new MemoryBucket();
        pipeline = pipeline(Map.of());
    }

    RecordingPipeline pipeline(Map<String, String> env) throws Exception {
        Map<String, String> e = new LinkedHashMap<>(Map.of("MP_QUIET_SECONDS", "0", "MP_MAX_ATTEMPTS", "4",
                "MP_BACKOFF_BASE_MS", "5", "MP_BACKOFF_MAX_MS", "20", "MP_SWEEP_SECONDS", "0"));
        e.putAll(env);
        RecordingObserver obs = new RecordingObserver() {
            @Override
            public void uploaded(String object, Duration latency, int attempts, long sizeBytes) {
                synchronized (observed) {
                    observed.add("uploaded " + object + " " + attempts);
                }
            }

            @Override
            public void uploadFailed(String stage, String object) {
                synchronized (observed) {
                    observed.add("failed " + stage + " " + object);
                }
            }
        };
        return new RecordingPipeline(new RecordingPipeline.Settings(recordings, state,
                new Manifest.Origin(bucket.bucket, "mp-node-test", "0123abcd", "dev", "mediaplane-dev-000000"),
                NodeEnv.Tuning.from(e), tmp.resolve("no-proc")), bucket, bucket, obs,
                new JsonLog(new PrintStream(out, true, StandardCharsets.UTF_8), Clock.systemUTC(), Map.of("node", "mp-node-test")),
                Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
    }

    Path write(String org, String call, String rec, byte[] bytes, boolean old) throws Exception {
        Path p = Files.createDirectories(recordings.resolve(org).resolve(call)).resolve(rec + ".wav");
        Files.write(p, bytes);
        if (old) {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(600)));
        }
        written.put("org/" + org + "/recordings/" + call + "/" + rec + ".wav", bytes);
        return p;
    }

    List<JsonObject> events(String name) {
        List<JsonObject> found = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.get("event").getAsString().equals(name)) {
                    found.add(o);
                }
            }
        }
        return found;
    }

    JsonObject manifest(String object) {
        MemoryBucket.Obj m = bucket.objects.get(object.replaceAll("\\.wav$", ".manifest.json"));
        assertNotNull(m, "no manifest for " + object + " in " + bucket.objects.keySet());
        return JsonParser.parseString(new String(m.bytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    void assertAllUploadedExactlyOnce() throws Exception {
        for (Map.Entry<String, byte[]> e : written.entrySet()) {
            MemoryBucket.Obj o = bucket.objects.get(e.getKey());
            assertNotNull(o, "missing " + e.getKey() + "\n" + out);
            assertEquals(RecordingPipeline.digest(e.getValue()).md5Base64(), o.md5(), e.getKey());
            assertEquals(1, bucket.creations(e.getKey()), e.getKey());
            assertEquals(1, bucket.creations(e.getKey().replaceAll("\\.wav$", ".manifest.json")));
            String[] p = e.getKey().split("/");
            assertFalse(Files.exists(recordings.resolve(p[1]).resolve(p[3]).resolve(p[4])), "still local: " + e.getKey());
        }
        assertEquals(2 * written.size(), bucket.objects.size(), bucket.objects.keySet().toString());
        assertTrue(pipeline.outbox().entries().isEmpty(), "outbox: " + pipeline.outbox().entries());
        assertEquals(written.size(), bucket.published.size());
    }

    static EslEvent event(String name, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("Event-Name: " + name + "\n");
        for (int i = 0; i < headers.length; i += 2) {
            sb.append(headers[i]).append(": ").append(headers[i + 1]).append('\n');
        }
        return EslEvent.parsePlain(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String micros(Instant t) {
        return Long.toString(t.getEpochSecond() * 1_000_000 + t.getNano() / 1000);
    }

    static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void aSweepUploadsTheBacklogWithManifestsAndEvents() throws Exception {
        write("org-1", "CA01", "rec-pcm", TestWav.make(TestWav.PCM, 8000, 1, 1500, false, 1), true);
        write("org-1", "CA01", "rec-alaw", TestWav.make(TestWav.ALAW, 8000, 2, 2000, true, 2), true);
        write("org_2", "CA.02", "not-a-wav", "this is not RIFF".getBytes(StandardCharsets.US_ASCII), true);

        pipeline.sweep();

        assertAllUploadedExactlyOnce();
        JsonObject m = manifest("org/org-1/recordings/CA01/rec-pcm.wav");
        assertEquals(Manifest.SCHEMA, m.get("schema").getAsString());
        assertEquals("file mtime minus duration", m.get("record_times_source").getAsString());
        assertEquals(1500, Instant.parse(m.get("record_stop").getAsString()).toEpochMilli()
                - Instant.parse(m.get("record_start").getAsString()).toEpochMilli());
        assertTrue(m.get("channel_uuid").isJsonNull());
        assertEquals(String.valueOf(bucket.objects.get("org/org-1/recordings/CA01/rec-pcm.wav").generation()),
                m.get("generation").getAsString());
        JsonObject alaw = manifest("org/org-1/recordings/CA01/rec-alaw.wav").getAsJsonObject("audio");
        assertEquals("alaw", alaw.get("format").getAsString());
        assertEquals(2, alaw.get("channels").getAsInt());
        assertEquals(2000, alaw.get("duration_ms").getAsInt());
        assertEquals("unknown", manifest("org/org_2/recordings/CA.02/not-a-wav.wav").getAsJsonObject("audio")
                .get("format").getAsString());
        for (MemoryBucket.Published p : bucket.published) {
            String manifestName = p.attributes().get("object").replaceAll("\\.wav$", ".manifest.json");
            assertEquals(new String(bucket.objects.get(manifestName).bytes(), StandardCharsets.UTF_8),
                    new String(p.data(), StandardCharsets.UTF_8), "the event carries the manifest object's bytes");
            assertEquals("recording.evidence", p.attributes().get("event_type"));
        }
        assertEquals(3, events("recording_uploaded").size());
    }

    @Test
    void recordStopStartsTheUploadWithTheFactsOfBothEvents() throws Exception {
        pipeline.close();
        pipeline = pipeline(Map.of("MP_QUIET_SECONDS", "3600")).start();
        Path p = write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 1000, false, 7), false);
        Instant start = Instant.now().minusSeconds(2);
        Instant stop = Instant.now();
        pipeline.onEvent(event("RECORD_START", "Unique-ID", "uuid-1", "Record-File-Path", p.toString(),
                "Event-Date-Timestamp", micros(start)));
        assertEquals(0, pipeline.sweep().queued(), "a file being recorded is never swept");
        pipeline.onEvent(event("RECORD_STOP", "Unique-ID", "uuid-1", "Record-File-Path", p.toString(),
                "Event-Date-Timestamp", micros(stop)));
        await("the upload", () -> bucket.published.size() == 1);
        assertAllUploadedExactlyOnce();
        JsonObject m = manifest("org/org-1/recordings/CA1/r1.wav");
        assertEquals("uuid-1", m.get("channel_uuid").getAsString());
        assertEquals("esl RECORD_START and RECORD_STOP", m.get("record_times_source").getAsString());
        assertEquals(start.toEpochMilli(), Instant.parse(m.get("record_start").getAsString()).toEpochMilli());
        assertEquals(stop.toEpochMilli(), Instant.parse(m.get("record_stop").getAsString()).toEpochMilli());
        assertEquals("event", events("recording_uploaded").get(0).get("trigger").getAsString());

        // The same RECORD_STOP again: a duplicate, not a second upload, not a rejection.
        pipeline.onEvent(event("RECORD_STOP", "Unique-ID", "uuid-1", "Record-File-Path", p.toString()));
        assertEquals(1, events("recording_event_duplicate").size());
        assertTrue(events("recording_rejected").isEmpty());
        assertEquals(2, bucket.createRequests.get());
    }

    @Test
    void eventsForFilesOutsideTheRootOrUnknownAreRejectedAndNothingIsRead() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside.wav"), "not yours");
        pipeline.onEvent(event("RECORD_STOP", "Record-File-Path", outside.toString()));
        pipeline.onEvent(event("RECORD_STOP", "Record-File-Path", recordings + "/org-1/../../outside.wav"));
        pipeline.onEvent(event("RECORD_STOP", "Record-File-Path", recordings + "/org-1/CA1/never.wav"));
        Thread.sleep(100);
        List<String> reasons = events("recording_rejected").stream().map(o -> o.get("path").getAsString() + ": "
                + o.get("reason").getAsString()).toList();
        assertEquals(3, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).contains("outside"), reasons.toString());
        assertTrue(reasons.get(2).contains("no such file"), reasons.toString());
        assertEquals(0, bucket.createRequests.get());
        assertTrue(Files.exists(outside));
    }

    @Test
    void aRecordingWhoseStartWasSeenIsSweptAfterTheEslConnectionDropped() throws Exception {
        Path p = write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 7), true);
        pipeline.onEvent(event("RECORD_START", "Unique-ID", "uuid-1", "Record-File-Path", p.toString()));
        assertEquals(0, pipeline.sweep().queued());
        // The RECORD_STOP was lost with the connection: the start no longer proves the file is still recording.
        pipeline.onEslState(EslClient.State.DISCONNECTED);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
        assertEquals("uuid-1", manifest("org/org-1/recordings/CA1/r1.wav").get("channel_uuid").getAsString());
    }

    @Test
    void firstUploadsFailThenSucceedWithBackoff() throws Exception {
        bucket.failCreates.set(3);
        write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
        assertEquals(4, events("recording_uploaded").get(0).get("attempts").getAsInt());
    }

    @Test
    void aFileThatKeepsFailingStaysAndIsReportedOnce() throws Exception {
        bucket.failCreates.set(1000);
        Path p = write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        pipeline.sweep();
        assertTrue(Files.exists(p));
        List<JsonObject> f = events("recording_upload_failed");
        assertEquals(1, f.size());
        assertEquals("object", f.get(0).get("stage").getAsString());
        assertTrue(f.get(0).get("error").getAsString().contains("503"));
        assertEquals(List.of("failed object org/org-1/recordings/CA1/r1.wav"), observed);
        bucket.failCreates.set(0);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aWrongMd5InTheResponseIsResolvedByReadingBackAndCorruptBodiesAreRefused() throws Exception {
        bucket.wrongMd5Responses.set(1);
        bucket.corruptBodies.set(0);
        write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
        assertEquals(2, bucket.createRequests.get(), "the retry read the object back, it did not resend");
        bucket.corruptBodies.set(1);
        write("org-1", "CA2", "r2", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 2), true);
        pipeline.sweep();
        assertEquals(1, bucket.md5Refusals.get());
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aLostResponseAfterTheCommitIsVerifiedThroughThe412() throws Exception {
        bucket.loseCreateResponses.set(1);
        write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
        assertEquals(1, bucket.preconditionFailures.get());
    }

    @Test
    void aConflictKeepsTheFileAndNeverOverwrites() throws Exception {
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1);
        Path p = write("org-1", "CA1", "r1", bytes, true);
        byte[] other = bytes.clone();
        other[other.length - 1] ^= 1;
        bucket.put("org/org-1/recordings/CA1/r1.wav", other);
        pipeline.sweep();
        assertTrue(Files.exists(p));
        JsonObject f = events("recording_upload_failed").get(0);
        assertTrue(f.get("error").getAsString().startsWith("checksum mismatch: gcs md5=" + RecordingPipeline.digest(other).md5Base64()),
                f.toString());
        assertEquals(1, bucket.createRequests.get(), "retries of a conflict read the object back");
        assertEquals(4, f.get("attempts").getAsInt());
        assertTrue(bucket.published.isEmpty());
    }

    @Test
    void aStoredManifestIsAdoptedOnlyWhenItDescribesTheFile() throws Exception {
        byte[] bytes = TestWav.make(TestWav.PCM, 8000, 1, 400, false, 5);
        write("org-1", "CA1", "r1", bytes, true);
        pipeline.sweep();
        String name = "org/org-1/recordings/CA1/r1.manifest.json";
        byte[] stored = bucket.objects.get(name).bytes();

        // The same recording again, with the outbox lost: the fresh manifest differs, the stored one is adopted.
        Path again = write("org-1", "CA1", "r1", bytes, true);
        Files.setLastModifiedTime(again, FileTime.from(Instant.now().minusSeconds(120)));
        pipeline.sweep();
        assertFalse(Files.exists(again));
        assertEquals(1, bucket.creations(name));
        assertEquals(2, bucket.published.size());
        assertEquals(new String(stored, StandardCharsets.UTF_8), new String(bucket.published.get(1).data(), StandardCharsets.UTF_8));

        // A manifest that names the object but another sha256 is a conflict: the file stays.
        JsonObject forged = JsonParser.parseString(new String(stored, StandardCharsets.UTF_8)).getAsJsonObject();
        forged.addProperty("sha256", "0".repeat(64));
        bucket.objects.put(name, new MemoryBucket.Obj(name, forged.toString().getBytes(StandardCharsets.UTF_8), 1, "application/json"));
        Path third = write("org-1", "CA1", "r1", bytes, true);
        pipeline.sweep();
        assertTrue(Files.exists(third));
        JsonObject f = events("recording_upload_failed").get(0);
        assertEquals("manifest", f.get("stage").getAsString());
        assertTrue(f.get("error").getAsString().contains("sha256"), f.toString());
        assertEquals(2, bucket.published.size());
    }

    @Test
    void publishFailuresLeaveTheOutboxEntryAndTheSweepRepublishes() throws Exception {
        bucket.failPublishes.set(1000);
        write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        pipeline.sweep();
        assertEquals(1, events("evidence_publish_failed").size());
        assertEquals(1, pipeline.outbox().entries().size());
        bucket.failPublishes.set(0);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aSlowBucketNeverBlocksTheEslThreadAndOverflowWaitsForTheSweep() throws Exception {
        pipeline.close();
        pipeline = pipeline(Map.of("MP_PARALLEL", "2", "MP_QUEUE", "3"));
        bucket.gate = new CountDownLatch(1);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            files.add(write("org-1", "CA" + i, "r" + i, TestWav.make(TestWav.PCM, 8000, 1, 50, false, i), false));
        }
        long t0 = System.nanoTime();
        for (Path p : files) {
            pipeline.onEvent(event("RECORD_STOP", "Record-File-Path", p.toString()));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "onEvent blocked for " + ms + " ms");
        assertEquals(15, events("recording_deferred").size(), "2 running + 3 queued, the rest deferred");
        bucket.gate.countDown();
        bucket.gate = null;
        await("the five", () -> bucket.published.size() == 5);
        pipeline.sweep();
        assertAllUploadedExactlyOnce();
    }

    @Test
    void aFileThatChangesIsNeverDeleted() throws Exception {
        Path p = write("org-1", "CA1", "r1", TestWav.make(TestWav.PCM, 8000, 1, 300, false, 1), true);
        bucket.gate = new CountDownLatch(1);
        Thread t = new Thread(() -> pipeline.process(p, RecordingPipeline.Trigger.OPERATOR, null, null));
        t.start();
        await("the upload to start", () -> bucket.createRequests.get() == 1);
        Files.write(p, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        bucket.gate.countDown();
        t.join(20_000);
        assertTrue(Files.exists(p), "a file that changed after it was hashed stays");
        assertEquals(1, events("recording_changed").size(), out.toString());
    }

    @Test
    void diskPressureIsReportedWithTheContractFields() throws Exception {
        pipeline.close();
        pipeline = pipeline(Map.of("MP_DISK_PRESSURE_PERCENT", "0"));
        pipeline.checkDisk();
        JsonObject d = events("disk_pressure").get(0);
        assertEquals(0, d.get("threshold_percent").getAsInt());
        assertTrue(d.get("avail_bytes").getAsLong() >= 0);
        assertEquals(recordings.toString(), d.get("path").getAsString());
    }

    @Test
    void manifestMismatchNamesWhatDiffers() {
        RecordingPath rp = new RecordingPath(recordings.resolve("o/c/r.wav"), "o", "c", "r");
        ObjectStore.StoredObject wav = new ObjectStore.StoredObject("b", rp.object(), 7, 3, "md5", "crc");
        ObjectStore.LocalDigest d = new ObjectStore.LocalDigest(3, "md5", "crc", "ab");
        byte[] m = Manifest.build(new Manifest.Origin("b", "n", "h", "s", "p"), rp, wav, d,
                WavInfo.unknown("x"), Manifest.EslFacts.NONE, Instant.now(), Instant.now());
        assertNull(Manifest.mismatch(m, rp, wav, d));
        assertTrue(Manifest.mismatch("[]".getBytes(StandardCharsets.UTF_8), rp, wav, d).contains("unparseable"));
        assertEquals("7", Manifest.generationOf(m));
    }

    @Test
    void transcriptFilesAreTheBridgesNotRejectedAndTheManifestReferencesAStreamedCallsTranscript() throws Exception {
        // The bridge writes {rec}.transcript.jsonl next to the recording and uploads it itself.
        Path streamed = write("org42", "CA9", "RE9", TestWav.make(TestWav.PCM, 8000, 2, 1000, false, 9), false);
        Path plain = write("org42", "CA10", "RE10", TestWav.make(TestWav.PCM, 8000, 2, 1000, false, 10), false);
        Path transcript = streamed.resolveSibling("RE9.transcript.jsonl");
        Files.writeString(transcript, "{\"is_final\":true}\n");
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        pipeline.transcripts((call, rec) -> {
            asked.add(call + "/" + rec);
            return call.equals("CA9") ? java.util.Optional.of(new TranscriptSource.Transcript(
                    "org/org42/recordings/CA9/RE9.transcript.jsonl", 1764669600123456L, "ab".repeat(32), 17))
                    : java.util.Optional.empty();
        });
        pipeline.onEvent(event("RECORD_STOP", "Unique-ID", "u9", "Record-File-Path", transcript.toString()));
        assertEquals(RecordingPipeline.Outcome.SKIPPED,
                pipeline.process(transcript, RecordingPipeline.Trigger.OPERATOR, null, null));
        pipeline.sweep();

        assertAllUploadedExactlyOnce();
        assertEquals(List.of(), events("recording_rejected"), out.toString());
        assertTrue(Files.exists(transcript), "the pipeline never deletes the bridge's file");
        assertFalse(bucket.objects.keySet().stream().anyMatch(k -> k.endsWith(".transcript.jsonl")), "nor uploads it");
        JsonObject ref = manifest("org/org42/recordings/CA9/RE9.wav").getAsJsonObject("transcript");
        assertNotNull(ref);
        assertEquals("org/org42/recordings/CA9/RE9.transcript.jsonl", ref.get("object").getAsString());
        assertEquals("1764669600123456", ref.get("generation").getAsString());
        assertEquals("ab".repeat(32), ref.get("sha256").getAsString());
        assertEquals(17, ref.get("size_bytes").getAsLong());
        assertNull(manifest("org/org42/recordings/CA10/RE10.wav").get("transcript"), "no stream, no transcript field");
        assertEquals(java.util.Set.of("CA9/RE9", "CA10/RE10"), java.util.Set.copyOf(asked));
        assertTrue(Files.exists(plain) == false);
    }
}
