package dev.mediaplane.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stand-in refuses what the real services refuse, driven through plain HTTP like a script would. */
class GcpStandInTest {
    static final String NODE = "mp-t-node@stand-in-proj.iam.gserviceaccount.com";
    static final String OTHER = "someone@stand-in-proj.iam.gserviceaccount.com";
    static final String BUCKET = "stand-in-proj-recordings";

    final HttpClient http = HttpClient.newHttpClient();
    GcpStandIn gcp;
    String token;

    @BeforeEach
    void setUp() throws Exception {
        gcp = new GcpStandIn("stand-in-proj", 4242L);
        gcp.instanceServiceAccount(NODE);
        gcp.createBucket(BUCKET);
        token = metadataToken();
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    // ---- metadata ------------------------------------------------------------------------------------

    @Test
    void metadataWantsTheFlavorHeaderAndMintsATokenThatNamesTheAccount() throws Exception {
        var noFlavor = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/computeMetadata/v1/project/project-id")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, noFlavor.statusCode());
        assertTrue(noFlavor.body().contains("Missing Metadata-Flavor:Google header"), noFlavor.body());
        assertEquals("stand-in-proj", metadata("project/project-id").body());
        assertEquals(NODE, metadata("instance/service-accounts/default/email").body());
        assertEquals(404, metadata("instance/service-accounts/" + OTHER + "/token").statusCode(), "not attached: no token");
        assertEquals(404, metadata("instance/attributes/absent").statusCode());
        gcp.metadata.put("instance/network-interfaces/0/ip", "10.1.2.3");
        assertEquals("10.1.2.3", metadata("instance/network-interfaces/0/ip").body());
        assertTrue(token.contains("mp-t-node"), "the token names its principal: " + token);
        assertEquals(token, gcp.tokenFor(NODE));
        assertFalse(token.equals(gcp.tokenFor(OTHER)));
    }

    // ---- GCS -----------------------------------------------------------------------------------------

    @Test
    void objectCreatorCanCreateButNotReadAndA412CannotBeResolvedByReading() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectCreator");
        byte[] bytes = "RIFF....WAVE".getBytes(StandardCharsets.US_ASCII);

        var created = upload(token, "org/a/r.wav", bytes);
        assertEquals(200, created.statusCode(), created.body());
        JsonObject meta = JsonParser.parseString(created.body()).getAsJsonObject();
        assertEquals(GcpStandIn.md5B64(bytes), meta.get("md5Hash").getAsString());
        assertEquals(String.valueOf(bytes.length), meta.get("size").getAsString());
        CRC32C c = new CRC32C();
        c.update(bytes);
        assertEquals(c.getValue(), Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(
                Base64.getDecoder().decode(meta.get("crc32c").getAsString())).getInt()), "crc32c: base64 of big-endian uint32");

        var again = upload(token, "org/a/r.wav", bytes);
        assertEquals(412, again.statusCode());
        assertEquals("conditionNotMet", error(again).getAsJsonArray("errors").get(0).getAsJsonObject().get("reason").getAsString());

        var read = get(token, "/storage/v1/b/" + BUCKET + "/o/org%2Fa%2Fr.wav");
        assertEquals(403, read.statusCode());
        assertEquals(NODE + " does not have storage.objects.get access to the Google Cloud Storage object."
                + " Permission 'storage.objects.get' denied on resource (or it may not exist).", error(read).get("message").getAsString());
        assertEquals("forbidden", error(read).getAsJsonArray("errors").get(0).getAsJsonObject().get("reason").getAsString());
        // Without get, a missing object is a 403 as well: existence is not revealed.
        assertEquals(403, get(token, "/storage/v1/b/" + BUCKET + "/o/nothing").statusCode());
        assertEquals(2, gcp.refusals().size());
    }

    @Test
    void objectViewerReadsMetadataAndMediaButCannotCreate() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectViewer");
        gcp.putObject(BUCKET, "releases/x/a b.txt", "hello".getBytes(StandardCharsets.UTF_8));
        var media = get(token, "/storage/v1/b/" + BUCKET + "/o/releases%2Fx%2Fa%20b.txt?alt=media");
        assertEquals(200, media.statusCode());
        assertEquals("hello", media.body());
        assertEquals(404, get(token, "/storage/v1/b/" + BUCKET + "/o/releases%2Fnope").statusCode());
        var refused = upload(token, "x", new byte[] {1});
        assertEquals(403, refused.statusCode());
        assertTrue(error(refused).get("message").getAsString().contains("does not have storage.objects.create access"));
        assertEquals(0, gcp.creations(BUCKET, "x"));
    }

    @Test
    void aCustomRoleGrantsExactlyItsPermissionsAndGrantsAreInheritedFromTheProject() throws Exception {
        gcp.iam.defineRole("projects/stand-in-proj/roles/writer", Set.of("storage.objects.create", "storage.objects.get"));
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "projects/stand-in-proj/roles/writer");
        assertEquals(200, upload(token, "o", new byte[] {7}).statusCode());
        assertEquals(200, get(token, "/storage/v1/b/" + BUCKET + "/o/o").statusCode());

        String other = gcp.tokenFor(OTHER);
        assertEquals(403, get(other, "/storage/v1/b/" + BUCKET + "/o/o").statusCode(), "grants are per principal");
        grant("projects/stand-in-proj", OTHER, "roles/storage.objectViewer");
        assertEquals(200, get(other, "/storage/v1/b/" + BUCKET + "/o/o").statusCode(), "project grants apply to its buckets");

        assertThrows(IllegalArgumentException.class, () -> gcp.iam.grant("projects/stand-in-proj", GcpStandIn.sa(NODE),
                "roles/storage.objectCreater"), "an unknown role must not grant anything");
    }

    @Test
    void callsWithoutAValidTokenAre401() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectAdmin");
        var anonymous = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/storage/v1/b/" + BUCKET + "/o/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertTrue(error(anonymous).get("message").getAsString().startsWith("Anonymous caller does not have storage.objects.get"));
        assertEquals(401, get("ya29.forged", "/storage/v1/b/" + BUCKET + "/o/x").statusCode());
    }

    @Test
    void metadataAnswersCarryTheFlavorHeaderAndTheRootAnswersThePing() throws Exception {
        var r = metadata("project/project-id");
        assertEquals("Google", r.headers().firstValue("Metadata-Flavor").orElse(null));
        assertEquals("Google", metadata("instance/attributes/absent").headers().firstValue("Metadata-Flavor").orElse(null));
        var ping = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/")).header("Metadata-Flavor", "Google").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ping.statusCode());
        assertEquals("Google", ping.headers().firstValue("Metadata-Flavor").orElse(null));
        assertEquals("googleapis.com", metadata("universe/universe-domain").body());
    }

    // ---- GCS multipart and resumable -----------------------------------------------------------------

    @Test
    void multipartChecksTheHashesOfItsMetadataPartAndTheCreateIfAbsentPrecondition() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectCreator");
        byte[] bytes = "RIFF-multipart".getBytes(StandardCharsets.US_ASCII);
        var ok = multipart("org/m.wav", bytes, GcpStandIn.md5B64(bytes), GcpStandIn.crc32cB64(bytes));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("audio/wav", gcp.objects(BUCKET).get("org/m.wav").contentType());
        assertArrayEquals(bytes, gcp.objects(BUCKET).get("org/m.wav").bytes());
        assertEquals(412, multipart("org/m.wav", bytes, null, null).statusCode());

        byte[] other = "other".getBytes(StandardCharsets.US_ASCII);
        var badMd5 = multipart("org/n.wav", bytes, GcpStandIn.md5B64(other), null);
        assertEquals(400, badMd5.statusCode());
        assertEquals("Provided MD5 hash \"" + GcpStandIn.md5B64(other) + "\" doesn't match calculated MD5 hash \""
                + GcpStandIn.md5B64(bytes) + "\".", error(badMd5).get("message").getAsString());
        var badCrc = multipart("org/n.wav", bytes, null, GcpStandIn.crc32cB64(other));
        assertEquals(400, badCrc.statusCode());
        assertTrue(error(badCrc).get("message").getAsString().startsWith("Provided CRC32C"), badCrc.body());
        gcp.corruptStores.set(1);
        assertEquals(400, multipart("org/n.wav", bytes, null, GcpStandIn.crc32cB64(bytes)).statusCode(),
                "corrupted on the way, caught by the crc32c");
        assertEquals(0, gcp.creations(BUCKET, "org/n.wav"));

        var broken = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/upload/storage/v1/b/" + BUCKET
                        + "/o?uploadType=multipart")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/related; boundary=b").POST(HttpRequest.BodyPublishers.ofString("--b\r\nno end"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, broken.statusCode());
        assertEquals(400, upload(token, "org/x", bytes, "uploadType=gzip").statusCode(), "an unknown upload type");
    }

    @Test
    void resumableSessionsTakeChunksReportWhatIsPersistedAndCheckThePreconditionAtCommit() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectCreator");
        byte[] bytes = new byte[256 * 1024 + 10];
        new java.util.Random(1).nextBytes(bytes);
        String session = initiate("org/r.wav", "{\"md5Hash\":\"" + GcpStandIn.md5B64(bytes) + "\"}");
        assertTrue(session.startsWith(gcp.url() + "/upload/storage/v1/b/" + BUCKET + "/o?uploadType=resumable&upload_id="), session);

        var status = put(session, "bytes */*", new byte[0]);
        assertEquals(308, status.statusCode());
        assertTrue(status.headers().firstValue("Range").isEmpty(), "nothing persisted yet: no Range");
        assertEquals(400, put(session, "bytes 0-9/*", java.util.Arrays.copyOf(bytes, 10)).statusCode(),
                "a non-final chunk must be a multiple of 256 KiB");
        var first = put(session, "bytes 0-262143/*", java.util.Arrays.copyOf(bytes, 262144));
        assertEquals(308, first.statusCode());
        assertEquals("bytes=0-262143", first.headers().firstValue("Range").orElse(null));
        assertEquals("bytes=0-262143", put(session, "bytes */*", new byte[0]).headers().firstValue("Range").orElse(null));
        assertEquals(400, put(session, "bytes 262150-262153/262154", new byte[4]).statusCode(), "a gap is refused");
        assertEquals(0, gcp.creations(BUCKET, "org/r.wav"), "nothing is live before the last byte");

        byte[] rest = java.util.Arrays.copyOfRange(bytes, 262144, bytes.length);
        var done = put(session, "bytes 262144-" + (bytes.length - 1) + "/" + bytes.length, rest);
        assertEquals(200, done.statusCode(), done.body());
        assertArrayEquals(bytes, gcp.objects(BUCKET).get("org/r.wav").bytes());
        var again = put(session, "bytes */" + bytes.length, new byte[0]);
        assertEquals(200, again.statusCode(), "a finished session answers its object again");
        assertEquals(JsonParser.parseString(done.body()), JsonParser.parseString(again.body()));

        // The name is free when the session starts and taken when it commits: 412 at commit, nothing replaced.
        String late = initiate("org/late.wav", "{}");
        gcp.putObject(BUCKET, "org/late.wav", new byte[] {9});
        var refused = put(late, "bytes 0-2/3", new byte[] {1, 2, 3});
        assertEquals(412, refused.statusCode());
        assertEquals(412, put(late, "bytes */3", new byte[0]).statusCode());
        assertArrayEquals(new byte[] {9}, gcp.objects(BUCKET).get("org/late.wav").bytes());

        // Hashes from the session's metadata are checked over the whole object.
        String bad = initiate("org/bad.wav", "{\"crc32c\":\"" + GcpStandIn.crc32cB64(new byte[] {7}) + "\"}");
        assertEquals(400, put(bad, "bytes 0-2/3", new byte[] {1, 2, 3}).statusCode());
        assertEquals(0, gcp.creations(BUCKET, "org/bad.wav"));

        assertEquals(404, put(gcp.url() + "/upload/storage/v1/b/" + BUCKET + "/o?uploadType=resumable&upload_id=forged",
                "bytes */*", new byte[0]).statusCode());
    }

    @Test
    void aResumableStartNeedsCreateAndIsRefusedBeforeTheBucketIsLookedUp() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/upload/storage/v1/b/no-such-bucket/o?uploadType=resumable"
                        + "&ifGenerationMatch=0&name=org%2Fx")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(error(r).get("message").getAsString().contains("storage.objects.create"), r.body());
    }

    @Test
    void injectedFaultsLoseTheAnswerAfterTheCommitAndBreakAChunkOff() throws Exception {
        grant(GcpStandIn.bucketResource(BUCKET), NODE, "roles/storage.objectCreator");
        gcp.lostResponses.set(1);
        assertEquals(503, upload(token, "org/l.wav", new byte[] {1}).statusCode());
        assertEquals(1, gcp.creations(BUCKET, "org/l.wav"), "committed although the answer was a 503");
        assertEquals(412, upload(token, "org/l.wav", new byte[] {1}).statusCode());

        String session = initiate("org/d.wav", "{}");
        gcp.dropResumableChunks.set(1);
        byte[] chunk = new byte[4 * 256 * 1024];
        assertThrows(java.io.IOException.class, () -> put(session, "bytes 0-" + (chunk.length - 1) + "/*", chunk));
        assertEquals(1, gcp.droppedChunks());
        assertEquals("bytes=0-" + (2 * 256 * 1024 - 1), put(session, "bytes */*", new byte[0]).headers().firstValue("Range")
                .orElse(null), "half the chunk arrived, in whole 256 KiB units");
    }

    // ---- Secret Manager ------------------------------------------------------------------------------

    @Test
    void secretAccessNeedsTheAccessorRoleAnEnabledLatestVersionAndAnExistingSecret() throws Exception {
        gcp.createSecret("s1");
        gcp.addSecretVersion("s1", "v1".getBytes(StandardCharsets.UTF_8));
        String path = "/v1/projects/stand-in-proj/secrets/s1/versions/latest:access";
        var denied = get(token, path);
        assertEquals(403, denied.statusCode());
        assertEquals("PERMISSION_DENIED", error(denied).get("status").getAsString());

        grant(gcp.secretResource("s1"), NODE, "roles/secretmanager.secretAccessor");
        var ok = get(token, path);
        assertEquals(200, ok.statusCode());
        JsonObject payload = JsonParser.parseString(ok.body()).getAsJsonObject().getAsJsonObject("payload");
        assertEquals("v1", new String(Base64.getDecoder().decode(payload.get("data").getAsString()), StandardCharsets.UTF_8));
        assertEquals("projects/4242/secrets/s1/versions/1", JsonParser.parseString(ok.body()).getAsJsonObject().get("name").getAsString());

        gcp.addSecretVersion("s1", "v2".getBytes(StandardCharsets.UTF_8));
        gcp.setLatestVersionState("s1", "DISABLED");
        var disabled = get(token, path);
        assertEquals(400, disabled.statusCode(), "latest is the newest version even when it is disabled");
        assertEquals("FAILED_PRECONDITION", error(disabled).get("status").getAsString());
        assertEquals("Secret Version [projects/4242/secrets/s1/versions/2] is in DISABLED state.", error(disabled).get("message").getAsString());
        assertEquals(200, get(token, "/v1/projects/stand-in-proj/secrets/s1/versions/1:access").statusCode());

        gcp.createSecret("empty");
        grant(gcp.secretResource("empty"), NODE, "roles/secretmanager.secretAccessor");
        var none = get(token, "/v1/projects/stand-in-proj/secrets/empty/versions/latest:access");
        assertEquals(404, none.statusCode());
        assertEquals("NOT_FOUND", error(none).get("status").getAsString());

        // Unknown secret: 404 only for a caller allowed project-wide; a per-secret grant cannot exist for it.
        assertEquals(403, get(token, "/v1/projects/stand-in-proj/secrets/nope/versions/latest:access").statusCode());
        grant("projects/stand-in-proj", OTHER, "roles/secretmanager.secretAccessor");
        assertEquals(404, get(gcp.tokenFor(OTHER), "/v1/projects/stand-in-proj/secrets/nope/versions/latest:access").statusCode());
        gcp.deleteSecret("s1");
        assertEquals(403, get(token, path).statusCode(), "deleting a secret deletes its policy");
    }

    // ---- Pub/Sub ---------------------------------------------------------------------------------------

    @Test
    void publishNeedsThePublisherRoleAndAnExistingTopic() throws Exception {
        gcp.createTopic("events", false);
        assertEquals(403, publish(token, "events", "m").statusCode());
        grant(gcp.topicResource("events"), NODE, "roles/pubsub.publisher");
        var ok = publish(token, "events", "m");
        assertEquals(200, ok.statusCode());
        assertEquals(1, JsonParser.parseString(ok.body()).getAsJsonObject().getAsJsonArray("messageIds").size());
        var missing = publish(token, "nope", "m");
        assertEquals(404, missing.statusCode());
        assertEquals("NOT_FOUND", error(missing).get("status").getAsString());
    }

    @Test
    void aMessagePublishedWithoutSubscriptionIsLostAndEachSubscriptionGetsItsOwnCopy() throws Exception {
        gcp.createTopic("events", false);
        grant(gcp.topicResource("events"), NODE, "roles/pubsub.publisher");
        assertEquals(200, publish(token, "events", "before-any-subscription").statusCode());
        for (String s : List.of("audit", "billing")) {
            gcp.createSubscription(s, "events");
            grant(gcp.subscriptionResource(s), OTHER, "roles/pubsub.subscriber");
        }
        gcp.seek("audit", Instant.EPOCH);
        assertEquals(200, publish(token, "events", "after").statusCode());

        var audit = gcp.subscriber("audit", OTHER);
        var billing = gcp.subscriber("billing", OTHER);
        assertEquals(List.of("after"), audit.received().stream().map(m -> new String(m.data(), StandardCharsets.UTF_8)).toList(),
                "without topic retention, a seek cannot bring back what no subscription held");
        assertEquals(List.of("after"), billing.received().stream().map(m -> new String(m.data(), StandardCharsets.UTF_8)).toList());
        assertEquals(1, audit.received().size(), "each message is delivered to a subscription once");

        var stranger = gcp.subscriber("audit", NODE);
        AssertionError e = assertThrows(AssertionError.class, stranger::received, "pull needs roles/pubsub.subscriber");
        assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
    }

    @Test
    void topicRetentionKeepsMessagesForASubscriptionThatSeeksBack() throws Exception {
        gcp.createTopic("kept", true);
        grant(gcp.topicResource("kept"), NODE, "roles/pubsub.publisher");
        assertEquals(200, publish(token, "kept", "early").statusCode());
        gcp.createSubscription("late", "kept");
        grant(gcp.subscriptionResource("late"), OTHER, "roles/pubsub.subscriber");
        var late = gcp.subscriber("late", OTHER);
        assertEquals(List.of(), late.received(), "a new subscription starts empty");
        gcp.seek("late", Instant.EPOCH);
        assertEquals("early", new String(late.received().get(0).data(), StandardCharsets.UTF_8));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    void grant(String resource, String email, String role) {
        gcp.iam.grant(resource, GcpStandIn.sa(email), role);
    }

    String metadataToken() throws Exception {
        var r = metadata("instance/service-accounts/default/token");
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject().get("access_token").getAsString();
    }

    HttpResponse<String> metadata(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/computeMetadata/v1/" + path))
                .header("Metadata-Flavor", "Google").build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String bearer, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gcp.url() + path)).header("Authorization", "Bearer " + bearer).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> upload(String bearer, String name, byte[] bytes) throws Exception {
        return upload(bearer, name, bytes, "uploadType=media");
    }

    HttpResponse<String> upload(String bearer, String name, byte[] bytes, String type) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/upload/storage/v1/b/" + BUCKET
                        + "/o?" + type + "&ifGenerationMatch=0&name=" + name.replace("/", "%2F")))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "audio/wav")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> publish(String bearer, String topic, String data) throws Exception {
        String body = "{\"messages\":[{\"data\":\"" + Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8))
                + "\",\"attributes\":{\"k\":\"v\"}}]}";
        return http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/v1/projects/stand-in-proj/topics/" + topic + ":publish"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart/related upload as the Java client sends it (metadata part, then media part). */
    HttpResponse<String> multipart(String name, byte[] bytes, String md5, String crc32c) throws Exception {
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        meta.addProperty("contentType", "audio/wav");
        if (md5 != null) {
            meta.addProperty("md5Hash", md5);
        }
        if (crc32c != null) {
            meta.addProperty("crc32c", crc32c);
        }
        var body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--__END_OF_PART__x__\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" + meta
                + "\r\n--__END_OF_PART__x__\r\nContent-Type: audio/wav\r\ncontent-transfer-encoding: binary\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes("\r\n--__END_OF_PART__x__--\r\n".getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/upload/storage/v1/b/" + BUCKET
                        + "/o?ifGenerationMatch=0&projection=full&uploadType=multipart"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/related; boundary=__END_OF_PART__x__")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a resumable upload; returns the session URI. */
    String initiate(String name, String metadataJson) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(gcp.url() + "/upload/storage/v1/b/" + BUCKET
                        + "/o?uploadType=resumable&ifGenerationMatch=0&name=" + name.replace("/", "%2F")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json; charset=UTF-8")
                .header("X-Upload-Content-Type", "audio/wav")
                .POST(HttpRequest.BodyPublishers.ofString(metadataJson)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("Location").orElseThrow();
    }

    HttpResponse<String> put(String session, String contentRange, byte[] bytes) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(session)).header("Content-Range", contentRange)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject error(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
    }
}
