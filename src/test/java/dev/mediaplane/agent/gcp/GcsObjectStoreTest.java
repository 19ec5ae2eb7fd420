package dev.mediaplane.agent.gcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.agent.recordings.ObjectStore;
import dev.mediaplane.agent.recordings.ObjectStore.LocalDigest;
import dev.mediaplane.agent.recordings.ObjectStore.StoredObject;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real google-cloud-storage client, built by {@link GoogleClients} from an env map, against the stand-in set up
 * as the dev stack plans the node's cloud (the node's own role on the recordings bucket, its token from the
 * metadata server).
 */
class GcsObjectStoreTest {
    static final long THRESHOLD = 1 << 20;

    @TempDir
    Path dir;
    CloudFixture f;
    GcpStandIn gcp;
    GoogleClients clients;
    ObjectStore store;
    String bucket;
    LeakWatch watch;
    final List<Throwable> thrown = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        watch = new LeakWatch();
        f = new CloudFixture();
        gcp = f.gcp;
        bucket = f.cloud.recordingsBucket();
        clients = f.clients();
        // A 1 MiB threshold keeps the resumable files small; one test uses the default.
        store = clients.objectStore(bucket, THRESHOLD, 256 << 10);
    }

    @AfterEach
    void tearDown() {
        try {
            clients.close();
            f.close();
            watch.close();
            for (Throwable t : thrown) {
                assertTrue(!LeakWatch.describe(t).contains(f.marker), "the token in an exception: " + LeakWatch.describe(t));
            }
            watch.assertNoLeak(f.marker);
            assertTrue(watch.records() > 0, "the Google libraries' logs were watched at their most verbose");
        } finally {
            watch.close();
        }
    }

    <T extends Throwable> T fails(Class<T> type, org.junit.jupiter.api.function.Executable call) {
        T t = assertThrows(type, call);
        thrown.add(t);
        return t;
    }

    @Test
    void smallAndLargeUploadsLandByteExactWithTheirChecksums() throws Exception {
        byte[] manifest = "{\"call_sid\":\"CA1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] small = CloudFixture.bytes(300_000, 1);
        byte[] large = CloudFixture.bytes((int) THRESHOLD * 3 + 12_345, 2);
        byte[] exactlyThreshold = CloudFixture.bytes((int) THRESHOLD, 3);

        check(store.createIfAbsent("org/o/recordings/CA1/manifest.json", manifest, "application/json", CloudFixture.digest(manifest)),
                "org/o/recordings/CA1/manifest.json", manifest);
        check(store.createIfAbsent("org/o/recordings/CA1/r1.wav", file("r1.wav", small), "audio/wav", CloudFixture.digest(small)),
                "org/o/recordings/CA1/r1.wav", small);
        assertEquals(0, gcp.resumableSessions(), "below the threshold: multipart, no session");
        check(store.createIfAbsent("org/o/recordings/CA1/r2.wav", file("r2.wav", large), "audio/wav", CloudFixture.digest(large)),
                "org/o/recordings/CA1/r2.wav", large);
        check(store.createIfAbsent("org/o/recordings/CA1/r3.wav", file("r3.wav", exactlyThreshold), "audio/wav",
                CloudFixture.digest(exactlyThreshold)), "org/o/recordings/CA1/r3.wav", exactlyThreshold);
        assertEquals(2, gcp.resumableSessions(), "from the threshold up: resumable");
        assertEquals("audio/wav", gcp.objects(bucket).get("org/o/recordings/CA1/r2.wav").contentType());
        assertEquals("application/json", gcp.objects(bucket).get("org/o/recordings/CA1/manifest.json").contentType());
    }

    @Test
    void theDefaultThresholdIsEightMebibytes() throws Exception {
        ObjectStore defaults = clients.objectStore(bucket);
        byte[] under = CloudFixture.bytes((8 << 20) - 1, 4);
        byte[] over = CloudFixture.bytes((8 << 20) + 1, 5);
        check(defaults.createIfAbsent(n("u.wav"), file("u.wav", under), "audio/wav", CloudFixture.digest(under)), n("u.wav"), under);
        assertEquals(0, gcp.resumableSessions());
        check(defaults.createIfAbsent(n("o.wav"), file("o.wav", over), "audio/wav", CloudFixture.digest(over)), n("o.wav"), over);
        assertEquals(1, gcp.resumableSessions());
    }

    @Test
    void aSecondCreateIsAlreadyExistsAndLeavesTheFirstObject() throws Exception {
        byte[] first = CloudFixture.bytes(1000, 6);
        byte[] second = CloudFixture.bytes(1000, 7);
        byte[] large = CloudFixture.bytes((int) THRESHOLD + 1, 8);
        store.createIfAbsent(n("a.wav"), first, "audio/wav", CloudFixture.digest(first));
        fails(ObjectStore.AlreadyExists.class, () -> store.createIfAbsent(n("a.wav"), second, "audio/wav", CloudFixture.digest(second)));
        Path big = file("big.wav", large);
        fails(ObjectStore.AlreadyExists.class, () -> store.createIfAbsent(n("a.wav"), big, "audio/wav", CloudFixture.digest(large)));
        assertArrayEquals(first, gcp.objects(bucket).get(n("a.wav")).bytes());
        assertEquals(1, gcp.creations(bucket, n("a.wav")));
        assertEquals(2, gcp.preconditionFailures(), "a 412 is not retried");
    }

    @Test
    void statAndReadNeedGetAndA404IsEmpty() throws Exception {
        byte[] b = CloudFixture.bytes(5000, 9);
        StoredObject created = store.createIfAbsent(n("m.json"), b, "application/json", CloudFixture.digest(b));
        assertEquals(Optional.of(created), store.stat(n("m.json")), "the node's planned role has storage.objects.get");
        assertEquals(Optional.empty(), store.stat(n("absent.json")));
        assertArrayEquals(b, store.read(n("m.json"), 5000));
        IOException tooBig = fails(IOException.class, () -> store.read(n("m.json"), 4999));
        assertTrue(tooBig.getMessage().contains("5000 bytes") && tooBig.getMessage().contains("4999"), tooBig.getMessage());
        fails(java.io.FileNotFoundException.class, () -> store.read(n("absent.json"), 10));
    }

    @Test
    void theNodesPlannedRoleStopsAtItsPrefix() throws Exception {
        byte[] b = CloudFixture.bytes(10, 23);
        var e = fails(ObjectStore.Forbidden.class, () -> store.createIfAbsent("elsewhere/x.wav", b, "audio/wav", CloudFixture.digest(b)));
        assertEquals(gcp.instanceServiceAccount() + " does not have storage.objects.create access to the Google Cloud Storage"
                + " object. Permission 'storage.objects.create' denied on resource (or it may not exist).", e.getMessage());
        fails(ObjectStore.Forbidden.class, () -> store.stat("elsewhere/x.wav"));
    }

    @Test
    void aRoleWithoutGetIsForbiddenOnStatNamingThePrincipalAndThePermission() throws Exception {
        String creator = "creator-only@" + gcp.project + ".iam.gserviceaccount.com";
        gcp.instanceServiceAccount(creator);
        gcp.useToken(creator, f.marker);
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(creator), "roles/storage.objectCreator");
        byte[] b = CloudFixture.bytes(10, 10);
        store.createIfAbsent(n("x.wav"), b, "audio/wav", CloudFixture.digest(b));

        var e = fails(ObjectStore.Forbidden.class, () -> store.stat(n("x.wav")));
        assertTrue(e.getMessage().contains(creator + " does not have storage.objects.get access"), e.getMessage());
        // Existence is not revealed: a missing object is a 403 too, never an empty stat.
        fails(ObjectStore.Forbidden.class, () -> store.stat(n("missing.wav")));
        fails(ObjectStore.Forbidden.class, () -> store.read(n("x.wav"), 100));

        gcp.instanceServiceAccount("viewer-only@" + gcp.project + ".iam.gserviceaccount.com");
        gcp.useToken("viewer-only@" + gcp.project + ".iam.gserviceaccount.com", f.marker + "-viewer");
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa("viewer-only@" + gcp.project + ".iam.gserviceaccount.com"),
                "roles/storage.objectViewer");
        try (GoogleClients viewer = f.clients()) {
            ObjectStore s = viewer.objectStore(bucket, THRESHOLD, 256 << 10);
            var denied = fails(ObjectStore.Forbidden.class, () -> s.createIfAbsent(n("y.wav"), b, "audio/wav", CloudFixture.digest(b)));
            assertTrue(denied.getMessage().contains("storage.objects.create"), denied.getMessage());
            Path big = file("y.wav", CloudFixture.bytes((int) THRESHOLD, 11));
            fails(ObjectStore.Forbidden.class, () -> s.createIfAbsent(n("y.wav"), big, "audio/wav",
                    CloudFixture.digest(Files.readAllBytes(big))));
        }
        assertEquals(null, gcp.objects(bucket).get(n("y.wav")));
    }

    @Test
    void aBodyCorruptedOnTheWayIsRefusedByGcsAndNeverStored() throws Exception {
        byte[] small = CloudFixture.bytes(70_000, 12);
        byte[] large = CloudFixture.bytes((int) THRESHOLD * 2, 13);
        gcp.corruptStores.set(1);
        IOException e = fails(IOException.class, () -> store.createIfAbsent(n("s.wav"), small, "audio/wav", CloudFixture.digest(small)));
        assertTrue(e.getMessage().contains("HTTP 400") && e.getMessage().contains("CRC32C"), e.getMessage());
        assertEquals(1, gcp.crc32cRefusals());

        gcp.corruptStores.set(1);
        Path big = file("l.wav", large);
        e = fails(IOException.class, () -> store.createIfAbsent(n("l.wav"), big, "audio/wav", CloudFixture.digest(large)));
        assertTrue(e.getMessage().contains("HTTP 400") && e.getMessage().contains("MD5"), e.getMessage());
        assertEquals(1, gcp.md5Refusals(), "the resumable session carried the md5; GCS checked it at finalization");
        assertEquals(List.of(), List.copyOf(gcp.objects(bucket).keySet()), "nothing stored");
        assertEquals(0, gcp.creations(bucket, n("s.wav")) + gcp.creations(bucket, n("l.wav")));

        // The pipeline's retry then succeeds, once.
        check(store.createIfAbsent(n("s.wav"), small, "audio/wav", CloudFixture.digest(small)), n("s.wav"), small);
        check(store.createIfAbsent(n("l.wav"), big, "audio/wav", CloudFixture.digest(large)), n("l.wav"), large);
    }

    @Test
    void aFileThatChangedSinceItWasDigestedIsRefusedBeforeAnythingIsSent() throws Exception {
        byte[] digested = CloudFixture.bytes(4000, 14);
        byte[] now = digested.clone();
        now[17] ^= 1;
        Path p = file("c.wav", now);
        IOException e = fails(IOException.class, () -> store.createIfAbsent(n("c.wav"), p, "audio/wav", CloudFixture.digest(digested)));
        assertTrue(e.getMessage().contains("not what was digested"), e.getMessage());
        Path shorter = file("d.wav", CloudFixture.bytes(3999, 14));
        e = fails(IOException.class, () -> store.createIfAbsent(n("d.wav"), shorter, "audio/wav", CloudFixture.digest(digested)));
        assertTrue(e.getMessage().contains("3999 bytes, its digest says 4000"), e.getMessage());
        assertEquals(0, gcp.uploadRequests());

        // A large file changed under the same size: GCS refuses it against the md5/crc32c the session carried.
        byte[] large = CloudFixture.bytes((int) THRESHOLD + 100, 15);
        byte[] changed = large.clone();
        changed[5] ^= 1;
        Path l = file("l.wav", changed);
        e = fails(IOException.class, () -> store.createIfAbsent(n("l.wav"), l, "audio/wav", CloudFixture.digest(large)));
        assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
        assertEquals(Optional.empty(), store.stat(n("l.wav")));
    }

    @Test
    void aResumableUploadCutMidwayResumesAndMakesExactlyOneObject() throws Exception {
        byte[] large = CloudFixture.bytes((int) THRESHOLD * 3 + 777, 16);
        gcp.dropResumableChunks.set(1);
        check(store.createIfAbsent(n("cut.wav"), file("cut.wav", large), "audio/wav", CloudFixture.digest(large)), n("cut.wav"), large);
        assertEquals(1, gcp.droppedChunks());
        assertEquals(1, gcp.resumableSessions(), "resumed in the same session, not restarted");
        assertEquals(1, gcp.creations(bucket, n("cut.wav")));
        long puts = gcp.requests().stream().filter(r -> r.startsWith("PUT ")).count();
        assertEquals(3, puts, "the broken PUT, the status query, the rest: " + gcp.requests());
    }

    @Test
    void aResponseLostAfterTheCommitSurfacesAsAlreadyExistsOrSuccessNeverAsTwoObjects() throws Exception {
        byte[] small = CloudFixture.bytes(2000, 17);
        gcp.lostResponses.set(1);
        // Multipart: the client retries the POST, GCS answers 412 for its own first commit.
        fails(ObjectStore.AlreadyExists.class, () -> store.createIfAbsent(n("lost.wav"), small, "audio/wav", CloudFixture.digest(small)));
        assertArrayEquals(small, gcp.objects(bucket).get(n("lost.wav")).bytes());
        assertEquals(1, gcp.creations(bucket, n("lost.wav")));

        // Resumable: the finished session answers its object again.
        byte[] large = CloudFixture.bytes((int) THRESHOLD + 5, 18);
        gcp.lostResponses.set(1);
        Path p = file("lost2.wav", large);
        // The client asks the session after the 503; a finished session answers its object: success, not a 412.
        check(store.createIfAbsent(n("lost2.wav"), p, "audio/wav", CloudFixture.digest(large)), n("lost2.wav"), large);
        assertArrayEquals(large, gcp.objects(bucket).get(n("lost2.wav")).bytes());
        assertEquals(1, gcp.creations(bucket, n("lost2.wav")));
    }

    @Test
    void theFirstFailuresAreRetriedByTheClientAndTheRetriesAreBounded() throws Exception {
        byte[] small = CloudFixture.bytes(100, 19);
        gcp.failUploads.set(2);
        check(store.createIfAbsent(n("r.wav"), small, "audio/wav", CloudFixture.digest(small)), n("r.wav"), small);
        assertEquals(3, gcp.uploadRequests());

        byte[] large = CloudFixture.bytes((int) THRESHOLD, 20);
        gcp.failUploads.set(2);
        check(store.createIfAbsent(n("r2.wav"), file("r2.wav", large), "audio/wav", CloudFixture.digest(large)), n("r2.wav"), large);

        gcp.failUploads.set(1000);
        int before = gcp.uploadRequests();
        IOException e = fails(IOException.class, () -> store.createIfAbsent(n("r3.wav"), small, "audio/wav", CloudFixture.digest(small)));
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        assertEquals(GoogleClients.STORAGE_RETRIES.getMaxAttempts(), gcp.uploadRequests() - before);
        gcp.failUploads.set(0);
    }

    @Test
    void whatGcsReportsIsComparedWithTheLocalDigest() throws Exception {
        byte[] small = CloudFixture.bytes(100, 21);
        gcp.wrongMd5Responses.set(1);
        IOException e = fails(IOException.class, () -> store.createIfAbsent(n("w.wav"), small, "audio/wav", CloudFixture.digest(small)));
        assertTrue(e.getMessage().contains("differs from the local digest")
                && e.getMessage().contains(CloudFixture.digest(small).md5Base64())
                && e.getMessage().contains(GcpStandIn.md5B64(new byte[] {1, 2, 3})), e.getMessage());

        byte[] large = CloudFixture.bytes((int) THRESHOLD, 22);
        gcp.wrongMd5Responses.set(1);
        Path p = file("w2.wav", large);
        e = fails(IOException.class, () -> store.createIfAbsent(n("w2.wav"), p, "audio/wav", CloudFixture.digest(large)));
        assertTrue(e.getMessage().contains("differs from the local digest"), e.getMessage());
    }

    @Test
    void concurrentCreatesOfOneNameMakeOneObjectAndTheOthersSeeAlreadyExists() throws Exception {
        byte[] b = CloudFixture.bytes(50_000, 24);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                results.add(pool.submit(() -> {
                    try {
                        store.createIfAbsent(n("race.wav"), b, "audio/wav", CloudFixture.digest(b));
                        return "created";
                    } catch (ObjectStore.AlreadyExists e) {
                        return "exists";
                    }
                }));
            }
            List<String> outcomes = new ArrayList<>();
            for (var r : results) {
                outcomes.add(r.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(1, outcomes.stream().filter("created"::equals).count(), outcomes.toString());
            assertEquals(5, outcomes.stream().filter("exists"::equals).count(), outcomes.toString());
            assertEquals(1, gcp.creations(bucket, n("race.wav")));
        } finally {
            pool.shutdownNow();
        }
    }

    void check(StoredObject o, String name, byte[] bytes) {
        LocalDigest d = CloudFixture.digest(bytes);
        assertEquals(bucket, o.bucket());
        assertEquals(name, o.name());
        assertEquals(bytes.length, o.size());
        assertEquals(d.md5Base64(), o.md5Base64());
        assertEquals(d.crc32cBase64(), o.crc32cBase64());
        GcpStandIn.StoredObject stored = gcp.objects(bucket).get(name);
        assertArrayEquals(bytes, stored.bytes(), name + " byte-exact");
        assertEquals(stored.generation(), o.generation());
    }

    /** Where the node may write: the planned role is conditional on the org/ prefix. */
    static String n(String leaf) { return "org/o/recordings/CA1/" + leaf; }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }
}
