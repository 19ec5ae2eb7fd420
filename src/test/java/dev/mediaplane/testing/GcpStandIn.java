package dev.mediaplane.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The one loopback stand-in (127.0.0.1 only) for the Google services node scripts call: the GCE
 * metadata server, the GCS JSON API, Secret Manager's {@code versions/*:access} and Pub/Sub
 * publish/pull/acknowledge over REST. It is as strict as the real services: the metadata server
 * wants {@code Metadata-Flavor: Google}, every API call needs a bearer token the metadata server
 * minted, and IAM is checked per resource with the permissions {@link Iam} maps each role to,
 * before existence is revealed (a caller without get sees 403, not 404, as on GCS). Error bodies
 * have the shape and wording of the real APIs. Nothing is granted unless the test grants it.
 *
 * <p>GCS uploads speak the three JSON-API upload types the clients use: {@code media} (curl), {@code multipart}
 * ({@code multipart/related}: JSON metadata, then the media) and {@code resumable} (POST starts a session and
 * answers its URI in {@code Location}; PUTs with {@code Content-Range} add chunks, non-final ones in whole 256 KiB
 * units, answered 308 with {@code Range}; {@code bytes *}{@code /N} asks for the status or finishes; a finished
 * session answers its result again). {@code md5Hash}/{@code crc32c} from the metadata or {@code X-Goog-Hash} are
 * checked against the bytes at commit (400, GCS's wording), and so is {@code ifGenerationMatch=0} (412): a resumable
 * upload whose name was taken meanwhile fails at its last chunk. IAM is checked before existence on all of them.
 * The metadata server marks every answer {@code Metadata-Flavor: Google} and answers the root ping google-auth's
 * GCE detection sends.
 *
 * <p>Faults are injected through the public counters; {@link #route} adds test-only endpoints
 * (an rm shim's judge, a package repository) on the same port.
 */
public final class GcpStandIn implements AutoCloseable {

    /** One stored GCS object. */
    public record StoredObject(String name, byte[] bytes, long generation, String contentType) {
        public String md5() { return md5B64(bytes); }
    }

    /** One Pub/Sub message as a subscriber receives it. */
    public record Message(String id, byte[] data, Map<String, String> attributes) {}

    /** One request answered 401 or 403: what the real service would have refused. */
    public record Refusal(int status, String principal, String request, String message) {}

    public final String project;
    public final long projectNumber;
    /** Values the metadata server answers, by path under /computeMetadata/v1/ (e.g. instance/attributes/x). */
    public final Map<String, String> metadata = new ConcurrentHashMap<>();
    public final Iam iam = new Iam();

    /** Next N uploads answer 503 without storing (a resumable one at its initiation). */
    public final AtomicInteger failUploads = new AtomicInteger();
    /** Next N stored uploads report a wrong md5Hash in the response (the stored bytes are right). */
    public final AtomicInteger wrongMd5Responses = new AtomicInteger();
    /**
     * Next N uploads arrive corrupted (the last byte flipped on the way): stored so when the client sent no hash
     * (transit corruption nobody caught), refused with 400 when it sent an md5 or crc32c.
     */
    public final AtomicInteger corruptStores = new AtomicInteger();
    /** Next N commits store the object and then answer 503: the response is lost, the object is live. */
    public final AtomicInteger lostResponses = new AtomicInteger();
    /**
     * Next N resumable chunks break off: half the chunk arrives, the whole 256 KiB units of it are persisted, and
     * the connection closes without an answer (the client must ask the session and resume).
     */
    public final AtomicInteger dropResumableChunks = new AtomicInteger();
    /** Next N publishes answer 503. */
    public final AtomicInteger failPublishes = new AtomicInteger();

    private volatile String instanceAccount;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> tokenByAccount = new ConcurrentHashMap<>();
    private final Map<String, Map<String, StoredObject>> buckets = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> creations = new ConcurrentHashMap<>();
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    private final AtomicInteger preconditionFailures = new AtomicInteger();
    private final AtomicInteger uploadRequests = new AtomicInteger();
    private final AtomicInteger md5Refusals = new AtomicInteger();
    private final AtomicInteger crc32cRefusals = new AtomicInteger();
    private final AtomicInteger droppedChunks = new AtomicInteger();
    /** Resumable sessions by upload_id. */
    private final Map<String, Upload> sessions = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private final AtomicLong messageIds = new AtomicLong(4_000_000_000L);

    private volatile CountDownLatch stallArrived;
    private volatile CountDownLatch stallRelease;
    private volatile boolean stallCommits;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gcp-stand-in");
        t.setDaemon(true);
        return t;
    });

    public GcpStandIn(String project, long projectNumber) throws IOException {
        if (!project.matches("[a-z][a-z0-9-]{4,28}[a-z0-9]")) {
            throw new IllegalArgumentException("project id must be 6-30 of [a-z0-9-], got '" + project + "'");
        }
        this.project = project;
        this.projectNumber = projectNumber;
        metadata.put("project/project-id", project);
        metadata.put("project/numeric-project-id", String.valueOf(projectNumber));
        // google-auth asks a ComputeEngineCredentials without an explicit universe for it.
        metadata.put("universe/universe-domain", "googleapis.com");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    /** The member string IAM bindings use for a service account email. */
    public static String sa(String email) { return "serviceAccount:" + email; }

    // ---- configuration (what Pulumi would have created) -------------------------------------------

    /** Attaches the service account to the instance: the metadata server's "default" account. */
    public void instanceServiceAccount(String email) {
        instanceAccount = email;
        metadata.put("instance/service-accounts/default/email", email);
    }

    /** The instance's service account (null until attached). */
    public String instanceServiceAccount() { return instanceAccount; }

    /** The access token the metadata server hands out for this account; tests use it as a leak marker. */
    public String tokenFor(String email) {
        return tokenByAccount.computeIfAbsent(email, e -> {
            // Names the principal (readable in a failing assertion) and is unique per run.
            String t = "ya29.MARKER-" + e.replaceAll("[^A-Za-z0-9]", "-") + "-" + UUID.randomUUID();
            tokens.put(t, e);
            return t;
        });
    }

    /** Fixes the token the metadata server hands out for this account (a test's own planted marker). */
    public void useToken(String email, String token) {
        tokens.put(token, email);
        tokenByAccount.put(email, token);
    }

    public void createBucket(String name) {
        buckets.putIfAbsent(name, new ConcurrentHashMap<>());
    }

    public static String bucketResource(String bucket) { return "projects/_/buckets/" + bucket; }

    public String secretResource(String id) { return "projects/" + project + "/secrets/" + id; }

    public String topicResource(String id) { return "projects/" + project + "/topics/" + id; }

    public String subscriptionResource(String id) { return "projects/" + project + "/subscriptions/" + id; }

    /** A secret with no versions yet (what Pulumi creates when the stack has no value for it). */
    public void createSecret(String id) {
        secrets.putIfAbsent(id, new CopyOnWriteArrayList<>());
    }

    /** Adds an ENABLED version, which becomes "latest". */
    public void addSecretVersion(String id, byte[] data) {
        List<Version> v = secrets.get(id);
        if (v == null) {
            throw new IllegalStateException("no secret " + id + "; createSecret first");
        }
        v.add(new Version(v.size() + 1, data.clone()));
    }

    /** DISABLED or DESTROYED: the latest version stays latest and is no longer accessible. */
    public void setLatestVersionState(String id, String state) {
        if (!List.of("ENABLED", "DISABLED", "DESTROYED").contains(state)) {
            throw new IllegalArgumentException("state must be ENABLED, DISABLED or DESTROYED, got " + state);
        }
        List<Version> v = secrets.get(id);
        v.get(v.size() - 1).state = state;
    }

    /** Deletes the secret, its versions and its IAM policy, as the real delete does. */
    public void deleteSecret(String id) {
        secrets.remove(id);
        iam.forget(secretResource(id));
    }

    /** A topic; with retention, messages published while it has no subscription are kept for a seek. */
    public void createTopic(String id, boolean messageRetention) {
        topics.putIfAbsent(id, new Topic(messageRetention));
    }

    public void createSubscription(String id, String topic) {
        Topic t = topics.get(topic);
        if (t == null) {
            throw new IllegalStateException("no topic " + topic);
        }
        Subscription s = new Subscription(topic);
        if (subscriptions.putIfAbsent(id, s) == null) {
            t.subscriptions.add(id);
        }
    }

    /** Seek to a time: redelivers the topic's retained messages published since then. */
    public void seek(String subscription, Instant since) {
        Subscription s = subscriptions.get(subscription);
        for (Published p : topics.get(s.topic).retained) {
            if (!p.time.isBefore(since)) {
                s.queue.add(p.message);
            }
        }
    }

    /** Serves handler under this path prefix (test-only endpoints on the same port). */
    public void route(String prefix, HttpHandler handler) {
        routes.put(prefix, handler);
    }

    // ---- fault injection ----------------------------------------------------------------------------

    /** The next upload blocks after its body was read until {@link #releaseStall()}. */
    public void stallNextUpload(boolean commitAfterRelease) {
        stallCommits = commitAfterRelease;
        stallRelease = new CountDownLatch(1);
        stallArrived = new CountDownLatch(1);
    }

    public boolean awaitStall(long seconds) throws InterruptedException {
        return stallArrived.await(seconds, TimeUnit.SECONDS);
    }

    public void releaseStall() { stallRelease.countDown(); }

    // ---- observations --------------------------------------------------------------------------------

    public Map<String, StoredObject> objects(String bucket) {
        Map<String, StoredObject> b = buckets.get(bucket);
        return b == null ? Map.of() : Map.copyOf(b);
    }

    /** Puts an object as an administrator would (gcloud storage cp): no IAM, no precondition. */
    public void putObject(String bucket, String name, byte[] bytes) {
        Map<String, StoredObject> b = buckets.get(bucket);
        if (b == null) {
            throw new IllegalStateException("no bucket " + bucket + "; createBucket first");
        }
        b.put(name, new StoredObject(name, bytes.clone(), generations.incrementAndGet(), "application/octet-stream"));
    }

    public void removeObjects(String bucket, java.util.function.Predicate<String> names) {
        buckets.get(bucket).keySet().removeIf(names);
    }

    public int creations(String bucket, String name) {
        AtomicInteger n = creations.get(bucket + "/" + name);
        return n == null ? 0 : n.get();
    }

    public int preconditionFailures() { return preconditionFailures.get(); }

    public int uploadRequests() { return uploadRequests.get(); }

    /** Uploads refused with 400 because the client's md5 did not match the bytes received. */
    public int md5Refusals() { return md5Refusals.get(); }

    /** Uploads refused with 400 because the client's crc32c did not match the bytes received. */
    public int crc32cRefusals() { return crc32cRefusals.get(); }

    /** Resumable chunks broken off by {@link #dropResumableChunks}. */
    public int droppedChunks() { return droppedChunks.get(); }

    /** Resumable sessions initiated (finished or not). */
    public int resumableSessions() { return sessions.size(); }

    /** Every 401/403 answered, in order. */
    public List<Refusal> refusals() { return List.copyOf(refusals); }

    /** "METHOD path" of every request, in order. */
    public List<String> requests() { return List.copyOf(requests); }

    @Override
    public void close() {
        CountDownLatch release = stallRelease;
        if (release != null) {
            release.countDown();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- dispatch ------------------------------------------------------------------------------------

    private static final Pattern UPLOAD = Pattern.compile("/upload/storage/v1/b/([^/]+)/o");
    private static final Pattern OBJECT = Pattern.compile("/storage/v1/b/([^/]+)/o/([^/]+)");
    /** The media download path the Java client uses; like {@code alt=media} on {@link #OBJECT}. */
    private static final Pattern DOWNLOAD = Pattern.compile("/download/storage/v1/b/([^/]+)/o/([^/]+)");
    private static final Pattern SECRET = Pattern.compile("/v1/projects/([^/]+)/secrets/([^/]+)/versions/([^/:]+):access");
    private static final Pattern PUBLISH = Pattern.compile("/v1/projects/([^/]+)/topics/([^/:]+):publish");
    private static final Pattern PULL = Pattern.compile("/v1/projects/([^/]+)/subscriptions/([^/:]+):(pull|acknowledge)");
    private static final Pattern SUBSCRIPTION = Pattern.compile("/v1/projects/([^/]+)/subscriptions/([^/:]+)");

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            requests.add(method + " " + path);
            for (Map.Entry<String, HttpHandler> r : routes.entrySet()) {
                if (path.startsWith(r.getKey())) {
                    r.getValue().handle(ex);
                    return;
                }
            }
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            Matcher m;
            if (path.startsWith("/computeMetadata/v1/")) {
                metadataServer(ex, path.substring("/computeMetadata/v1/".length()));
            } else if (path.equals("/") && method.equals("GET")) {
                // google-auth's GCE detection pings the server root and looks for the flavor header.
                ex.getResponseHeaders().set("Metadata-Flavor", "Google");
                text(ex, 200, "computeMetadata/\n");
            } else if ((m = UPLOAD.matcher(path)).matches() && method.equals("POST")) {
                upload(ex, decode(m.group(1)), query);
            } else if ((m = UPLOAD.matcher(path)).matches() && method.equals("PUT") && "resumable".equals(query.get("uploadType"))) {
                resumableChunk(ex, decode(m.group(1)), query);
            } else if ((m = DOWNLOAD.matcher(path)).matches() && method.equals("GET")) {
                if (!"media".equals(query.get("alt"))) {
                    gcsError(ex, 400, "Download requests need alt=media, got alt=" + query.get("alt"), "invalid");
                } else {
                    getObject(ex, decode(m.group(1)), decode(m.group(2)), query);
                }
            } else if ((m = OBJECT.matcher(path)).matches() && method.equals("GET")) {
                getObject(ex, decode(m.group(1)), decode(m.group(2)), query);
            } else if ((m = SECRET.matcher(path)).matches() && method.equals("GET")) {
                accessSecret(ex, m.group(1), m.group(2), m.group(3));
            } else if ((m = PUBLISH.matcher(path)).matches() && method.equals("POST")) {
                publish(ex, m.group(1), m.group(2));
            } else if ((m = PULL.matcher(path)).matches() && method.equals("POST")) {
                pullOrAck(ex, m.group(1), m.group(2), m.group(3));
            } else if ((m = SUBSCRIPTION.matcher(path)).matches() && method.equals("PUT")) {
                createSubscription(ex, m.group(1), m.group(2));
            } else if ((m = SUBSCRIPTION.matcher(path)).matches() && method.equals("DELETE")) {
                deleteSubscription(ex, m.group(1), m.group(2));
            } else {
                drain(ex);
                googleError(ex, 404, "NOT_FOUND", "The stand-in has no API at " + method + " " + path);
            }
        } catch (IOException | DroppedConnection e) {
            // The client went away (a killed uploader), or a dropped connection was injected: nothing to answer.
        }
    }

    // ---- metadata server -----------------------------------------------------------------------------

    private void metadataServer(HttpExchange ex, String path) throws IOException {
        // Every answer of the real server carries it; google-auth checks it.
        ex.getResponseHeaders().set("Metadata-Flavor", "Google");
        // The real server refuses requests without the flavor header and proxied ones (SSRF guard).
        if (!"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))
                || ex.getRequestHeaders().containsKey("X-Forwarded-For")) {
            refusals.add(new Refusal(403, "", "metadata " + path, "Missing Metadata-Flavor:Google header"));
            text(ex, 403, "Your client does not have permission to get URL /computeMetadata/v1/" + path
                    + " from this server. Missing Metadata-Flavor:Google header.\n");
            return;
        }
        Matcher m = Pattern.compile("instance/service-accounts/([^/]+)/(token|email)").matcher(path);
        if (m.matches()) {
            String account = m.group(1).equals("default") ? instanceAccount : decode(m.group(1));
            if (account == null || !account.equals(instanceAccount)) {
                text(ex, 404, "Not Found\n");
            } else if (m.group(2).equals("email")) {
                text(ex, 200, account);
            } else {
                JsonObject o = new JsonObject();
                o.addProperty("access_token", tokenFor(account));
                o.addProperty("expires_in", 3599);
                o.addProperty("token_type", "Bearer");
                json(ex, 200, o);
            }
            return;
        }
        String v = metadata.get(path);
        if (v == null) {
            text(ex, 404, "Not Found\n");
        } else {
            text(ex, 200, v);
        }
    }

    /** The caller's email, or null after a 401 has been sent. */
    private String authenticate(HttpExchange ex, boolean gcsShape, String permission) throws IOException {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String email = h != null && h.startsWith("Bearer ") ? tokens.get(h.substring(7)) : null;
        if (email != null) {
            return email;
        }
        drain(ex);
        String msg = h == null
                ? (gcsShape ? "Anonymous caller does not have " + permission + " access to the Google Cloud Storage object."
                        + " Permission '" + permission + "' denied on resource (or it may not exist)."
                        : "Request is missing required authentication credential. Expected OAuth 2 access token,"
                        + " login cookie or other valid authentication credential.")
                : (gcsShape ? "Invalid Credentials" : "Request had invalid authentication credentials. Expected OAuth 2"
                        + " access token, login cookie or other valid authentication credential.");
        refusals.add(new Refusal(401, "", ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath(), msg));
        if (gcsShape) {
            gcsError(ex, 401, msg, h == null ? "required" : "authError");
        } else {
            googleError(ex, 401, "UNAUTHENTICATED", msg);
        }
        return null;
    }

    // ---- GCS JSON API ----------------------------------------------------------------------------------

    /** GCS checks object permissions on the object (conditions see its name), then bucket and project. */
    private boolean gcsAllowed(HttpExchange ex, String email, String bucket, String object, String permission) throws IOException {
        String objectName = object == null ? null : bucketResource(bucket) + "/objects/" + object;
        if (iam.allowedOn(objectName, sa(email), permission, bucketResource(bucket), "projects/" + project)) {
            return true;
        }
        drain(ex);
        String msg = email + " does not have " + permission + " access to the Google Cloud Storage object."
                + " Permission '" + permission + "' denied on resource (or it may not exist).";
        refusals.add(new Refusal(403, email, ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath(), msg));
        gcsError(ex, 403, msg, "forbidden");
        return false;
    }

    /** One upload on its way to a commit: what the request (or the resumable session) said. */
    private static final class Upload {
        final String bucket;
        final String name;
        final String contentType;
        final String email;
        final String ifGenerationMatch;
        final String md5;
        final String crc32c;
        /** Resumable only: bytes persisted so far, and the committed answer once there is one. */
        final java.io.ByteArrayOutputStream persisted = new java.io.ByteArrayOutputStream();
        Answer result;

        Upload(String bucket, String name, String contentType, String email, String ifGenerationMatch, String md5, String crc32c) {
            this.bucket = bucket;
            this.name = name;
            this.contentType = contentType;
            this.email = email;
            this.ifGenerationMatch = ifGenerationMatch;
            this.md5 = md5;
            this.crc32c = crc32c;
        }
    }

    /** An HTTP answer kept for replay (a finished resumable session answers the same again). */
    private record Answer(int status, JsonObject body) {}

    private void upload(HttpExchange ex, String bucket, Map<String, String> query) throws IOException {
        uploadRequests.incrementAndGet();
        String email = authenticate(ex, true, "storage.objects.create");
        if (email == null) {
            return;
        }
        String type = query.get("uploadType");
        byte[] body = requestBody(ex);
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        String name = query.get("name");
        String claimedMd5 = null;
        String claimedCrc = null;
        if ("multipart".equals(type) || "resumable".equals(type)) {
            JsonObject meta;
            if (type.equals("multipart")) {
                Multipart parts = Multipart.parse(contentType, body);
                if (parts.error != null) {
                    gcsError(ex, 400, parts.error, "invalid");
                    return;
                }
                meta = parts.metadata;
                body = parts.media;
                contentType = parts.mediaType;
            } else {
                try {
                    meta = body.length == 0 ? new JsonObject()
                            : JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
                } catch (RuntimeException e) {
                    gcsError(ex, 400, "Parse Error", "parseError");
                    return;
                }
                body = null;
                contentType = ex.getRequestHeaders().getFirst("X-Upload-Content-Type");
            }
            if (meta.has("name")) {
                String inMeta = meta.get("name").getAsString();
                if (name != null && !name.equals(inMeta)) {
                    gcsError(ex, 400, "The object name in the metadata ('" + inMeta + "') and the name parameter ('"
                            + name + "') differ.", "invalid");
                    return;
                }
                name = inMeta;
            }
            if (meta.has("contentType")) {
                contentType = meta.get("contentType").getAsString();
            }
            claimedMd5 = meta.has("md5Hash") ? meta.get("md5Hash").getAsString() : null;
            claimedCrc = meta.has("crc32c") ? meta.get("crc32c").getAsString() : null;
            if (claimedMd5 != null && !isDigest(claimedMd5, 16)) {
                gcsError(ex, 400, "Invalid value for md5Hash: '" + claimedMd5 + "' is not the base64 of 16 bytes.", "invalid");
                return;
            }
            if (claimedCrc != null && !isDigest(claimedCrc, 4)) {
                gcsError(ex, 400, "Invalid value for crc32c: '" + claimedCrc + "' is not the base64 of 4 bytes.", "invalid");
                return;
            }
        } else if (!"media".equals(type)) {
            gcsError(ex, 400, "Invalid upload type '" + type + "': media, multipart or resumable.", "invalid");
            return;
        }
        if (name == null || name.isEmpty()) {
            gcsError(ex, 400, "Required parameter: name", "required");
            return;
        }
        if (!gcsAllowed(ex, email, bucket, name, "storage.objects.create")) {
            return;
        }
        Map<String, StoredObject> objects = buckets.get(bucket);
        if (objects == null) {
            gcsError(ex, 404, "The specified bucket does not exist.", "notFound");
            return;
        }
        // A checksum the client sends in a header (X-Goog-Hash: crc32c=...,md5=...) is checked as well.
        String[] header = xGoogHash(ex);
        if (claimedMd5 != null && header[0] != null && !claimedMd5.equals(header[0])
                || claimedCrc != null && header[1] != null && !claimedCrc.equals(header[1])) {
            gcsError(ex, 400, "The hashes in X-Goog-Hash and in the object metadata differ.", "invalid");
            return;
        }
        claimedMd5 = claimedMd5 != null ? claimedMd5 : header[0];
        claimedCrc = claimedCrc != null ? claimedCrc : header[1];
        String ifGen = query.get("ifGenerationMatch");
        if (ifGen != null && !ifGen.equals("0")) {
            // Only create-if-absent is implemented: an overwrite of a generation is not a node's business.
            gcsError(ex, 400, "The stand-in implements ifGenerationMatch=0 only, got " + ifGen, "invalid");
            return;
        }
        Upload up = new Upload(bucket, name, contentType == null ? "application/octet-stream" : contentType, email, ifGen,
                claimedMd5, claimedCrc);
        if (type.equals("resumable")) {
            if (failUploads.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                gcsError(ex, 503, "Backend Error (injected)", "backendError");
                return;
            }
            String id = UUID.randomUUID().toString().replace("-", "");
            sessions.put(id, up);
            ex.getResponseHeaders().set("Location", url() + "/upload/storage/v1/b/" + encode(bucket)
                    + "/o?uploadType=resumable&upload_id=" + id);
            ex.getResponseHeaders().set("X-GUploader-UploadID", id);
            send(ex, 200, new byte[0]);
            return;
        }
        CountDownLatch arrived = stallArrived;
        if (arrived != null && arrived.getCount() > 0) {
            arrived.countDown();
            try {
                stallRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!stallCommits) {
                return;
            }
        }
        if (failUploads.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            gcsError(ex, 503, "Backend Error (injected)", "backendError");
            return;
        }
        answer(ex, commit(up, body));
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (?:(\\d+)-(\\d+)|\\*)/(\\d+|\\*)");

    /** PUT on a resumable session URI: a chunk, the last chunk, or a status query ({@code bytes *}{@code /N}). */
    private void resumableChunk(HttpExchange ex, String bucket, Map<String, String> query) throws IOException {
        uploadRequests.incrementAndGet();
        String id = query.get("upload_id");
        Upload up = id == null ? null : sessions.get(id);
        byte[] body = requestBody(ex);
        if (up == null || !up.bucket.equals(bucket)) {
            // A session URI is the credential of a resumable upload: an unknown one is simply not found.
            gcsError(ex, 404, "No such upload session: " + id, "notFound");
            return;
        }
        String range = ex.getRequestHeaders().getFirst("Content-Range");
        Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
        if (m == null || !m.matches()) {
            gcsError(ex, 400, "Failed to parse Content-Range header: '" + range + "'", "invalid");
            return;
        }
        synchronized (up) {
            if (up.result != null) {
                answer(ex, up.result);
                return;
            }
            long have = up.persisted.size();
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (m.group(1) == null) {
                if (body.length != 0) {
                    gcsError(ex, 400, "Content-Range 'bytes */...' must come without a body, got " + body.length + " bytes",
                            "invalid");
                    return;
                }
                if (total >= 0 && total != have) {
                    gcsError(ex, 400, "Invalid request. The upload has " + have + " bytes, Content-Range says the object"
                            + " has " + total + ".", "invalid");
                    return;
                }
                if (total < 0) {
                    incomplete(ex, have);
                    return;
                }
            } else {
                long first = Long.parseLong(m.group(1));
                long last = Long.parseLong(m.group(2));
                if (last < first || last - first + 1 != body.length) {
                    gcsError(ex, 400, "Content-Range " + range + " does not match the " + body.length + " bytes sent",
                            "invalid");
                    return;
                }
                if (first > have) {
                    gcsError(ex, 400, "Invalid request. According to the Content-Range header, the upload offset is "
                            + first + " byte(s), which exceeds already uploaded size of " + have + " byte(s).", "invalid");
                    return;
                }
                if (total >= 0 && last + 1 != total) {
                    gcsError(ex, 400, "Content-Range " + range + ": the last chunk must end at the object size", "invalid");
                    return;
                }
                if (total < 0 && body.length % (256 * 1024) != 0) {
                    gcsError(ex, 400, "Invalid request. The size of a non-final chunk (" + body.length
                            + " bytes) must be a multiple of 262144 bytes.", "invalid");
                    return;
                }
                int skip = (int) (have - first); // a resent overlap is ignored, as GCS does
                if (dropResumableChunks.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                    // The connection dies mid-chunk: what arrived is persisted in whole 256 KiB units, no answer.
                    int arrivedBytes = body.length / 2;
                    int keep = Math.max(0, (arrivedBytes - skip) / (256 * 1024) * (256 * 1024));
                    up.persisted.write(body, skip, Math.min(keep, body.length - skip));
                    droppedChunks.incrementAndGet();
                    throw new DroppedConnection();
                }
                up.persisted.write(body, skip, body.length - skip);
                if (total < 0) {
                    incomplete(ex, up.persisted.size());
                    return;
                }
            }
            Answer a = commit(up, up.persisted.toByteArray());
            up.result = a;
            answer(ex, a);
        }
    }

    /** 308 Resume Incomplete with what is persisted (no Range header while nothing is). */
    private static void incomplete(HttpExchange ex, long have) throws IOException {
        if (have > 0) {
            ex.getResponseHeaders().set("Range", "bytes=0-" + (have - 1));
        }
        send(ex, 308, new byte[0]);
    }

    /** The stand-in ends a request without an answer by throwing this out of the handler: the socket closes. */
    private static final class DroppedConnection extends RuntimeException {
        DroppedConnection() {
            super("connection dropped (injected)", null, false, false);
        }
    }

    private void answer(HttpExchange ex, Answer a) throws IOException {
        if (a.status() == 200 && lostResponses.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            // Committed, but the client never learns it.
            gcsError(ex, 503, "Backend Error (injected after commit)", "backendError");
            return;
        }
        json(ex, a.status(), a.body());
    }

    /** Where every upload type ends: the checks GCS makes at commit, then the object is live. */
    private Answer commit(Upload up, byte[] body) {
        byte[] stored = body;
        if (corruptStores.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 && body.length > 0) {
            // Corrupted on the way: the server receives other bytes than the client hashed.
            stored = body.clone();
            stored[stored.length - 1] ^= 0x5a;
        }
        if (up.md5 != null && !up.md5.equals(md5B64(stored))) {
            md5Refusals.incrementAndGet();
            return new Answer(400, gcsErrorBody(400, "Provided MD5 hash \"" + up.md5 + "\" doesn't match calculated MD5 hash \""
                    + md5B64(stored) + "\".", "invalid"));
        }
        if (up.crc32c != null && !up.crc32c.equals(crc32cB64(stored))) {
            crc32cRefusals.incrementAndGet();
            return new Answer(400, gcsErrorBody(400, "Provided CRC32C \"" + up.crc32c + "\" doesn't match calculated CRC32C \""
                    + crc32cB64(stored) + "\".", "invalid"));
        }
        Map<String, StoredObject> objects = buckets.get(up.bucket);
        StoredObject created = new StoredObject(up.name, stored, generations.incrementAndGet(), up.contentType);
        synchronized (objects) {
            StoredObject existing = objects.get(up.name);
            if (existing != null && up.ifGenerationMatch != null) {
                preconditionFailures.incrementAndGet();
                JsonObject err = gcsErrorBody(412, "At least one of the pre-conditions you specified did not hold.",
                        "conditionNotMet");
                JsonObject detail = err.getAsJsonObject("error").getAsJsonArray("errors").get(0).getAsJsonObject();
                detail.addProperty("locationType", "header");
                detail.addProperty("location", "If-Match");
                return new Answer(412, err);
            }
            // Replacing an object is a delete too: GCS checks storage.objects.delete for it.
            if (existing != null) {
                String objectName = bucketResource(up.bucket) + "/objects/" + up.name;
                if (!iam.allowedOn(objectName, sa(up.email), "storage.objects.delete", bucketResource(up.bucket),
                        "projects/" + project)) {
                    String msg = up.email + " does not have storage.objects.delete access to the Google Cloud Storage object."
                            + " Permission 'storage.objects.delete' denied on resource (or it may not exist).";
                    refusals.add(new Refusal(403, up.email, "replace " + up.bucket + "/" + up.name, msg));
                    return new Answer(403, gcsErrorBody(403, msg, "forbidden"));
                }
            }
            objects.put(up.name, created);
            creations.computeIfAbsent(up.bucket + "/" + up.name, k -> new AtomicInteger()).incrementAndGet();
        }
        JsonObject meta = objectResource(up.bucket, created);
        if (wrongMd5Responses.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            meta.addProperty("md5Hash", md5B64(new byte[] {1, 2, 3}));
        }
        return new Answer(200, meta);
    }

    /** The request body, gzip-decoded when the client said Content-Encoding: gzip (GCS accepts that). */
    private static byte[] requestBody(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
        if (enc != null && enc.trim().equalsIgnoreCase("gzip")) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                return in.readAllBytes();
            }
        }
        return raw;
    }

    /** {md5, crc32c} from X-Goog-Hash, each null when absent. */
    private static String[] xGoogHash(HttpExchange ex) {
        String[] h = new String[2];
        for (String header : ex.getRequestHeaders().getOrDefault("X-Goog-Hash", List.of())) {
            for (String part : header.split(",")) {
                String t = part.trim();
                if (t.startsWith("md5=")) {
                    h[0] = t.substring(4);
                } else if (t.startsWith("crc32c=")) {
                    h[1] = t.substring(7);
                }
            }
        }
        return h;
    }

    private static boolean isDigest(String b64, int bytes) {
        try {
            return Base64.getDecoder().decode(b64).length == bytes;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String encode(String s) { return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8); }

    /** A multipart/related upload body: the JSON metadata part, then the media part. */
    private static final class Multipart {
        JsonObject metadata;
        byte[] media;
        String mediaType;
        String error;

        static Multipart parse(String contentType, byte[] body) {
            Multipart p = new Multipart();
            Matcher b = contentType == null ? null
                    : Pattern.compile("(?i)multipart/related;.*boundary=\"?([^\";]+)\"?").matcher(contentType);
            if (b == null || !b.find()) {
                p.error = "Invalid multipart request: Content-Type must be multipart/related with a boundary, got '"
                        + contentType + "'";
                return p;
            }
            byte[] dash = ("--" + b.group(1)).getBytes(StandardCharsets.ISO_8859_1);
            List<byte[]> parts = new ArrayList<>();
            int at = indexOf(body, dash, 0);
            if (at != 0) {
                p.error = "Invalid multipart request: the body does not start with the boundary";
                return p;
            }
            while (true) {
                int start = at + dash.length;
                if (start + 2 <= body.length && body[start] == '-' && body[start + 1] == '-') {
                    break; // closing delimiter
                }
                if (start + 2 > body.length || body[start] != '\r' || body[start + 1] != '\n') {
                    p.error = "Invalid multipart request: a boundary line must end in CRLF";
                    return p;
                }
                byte[] next = ("\r\n--" + b.group(1)).getBytes(StandardCharsets.ISO_8859_1);
                int end = indexOf(body, next, start + 2);
                if (end < 0) {
                    p.error = "Invalid multipart request: no closing boundary";
                    return p;
                }
                parts.add(java.util.Arrays.copyOfRange(body, start + 2, end));
                at = end + 2;
            }
            if (parts.size() != 2) {
                p.error = "Invalid multipart request with " + parts.size() + " parts: metadata and media expected";
                return p;
            }
            String[] metaHead = new String[1];
            byte[] meta = partBody(parts.get(0), metaHead);
            byte[] media = partBody(parts.get(1), null);
            String mediaHead = partHead(parts.get(1));
            if (meta == null || media == null || metaHead[0] == null || !metaHead[0].toLowerCase().contains("application/json")) {
                p.error = "Invalid multipart request: the first part must be application/json metadata";
                return p;
            }
            try {
                p.metadata = JsonParser.parseString(new String(meta, StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (RuntimeException e) {
                p.error = "Parse Error";
                return p;
            }
            Matcher ct = Pattern.compile("(?im)^content-type:\\s*(.+?)\\s*$").matcher(mediaHead);
            p.mediaType = ct.find() ? ct.group(1) : null;
            if (Pattern.compile("(?im)^content-transfer-encoding:\\s*base64\\s*$").matcher(mediaHead).find()) {
                media = Base64.getMimeDecoder().decode(media);
            }
            p.media = media;
            return p;
        }

        private static String partHead(byte[] part) {
            int sep = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
            return sep < 0 ? "" : new String(part, 0, sep, StandardCharsets.ISO_8859_1);
        }

        /** The part's body (after the blank line); its Content-Type into type[0] if asked. */
        private static byte[] partBody(byte[] part, String[] type) {
            int sep = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
            if (sep < 0) {
                return null;
            }
            if (type != null) {
                Matcher ct = Pattern.compile("(?im)^content-type:\\s*(.+?)\\s*$").matcher(new String(part, 0, sep,
                        StandardCharsets.ISO_8859_1));
                type[0] = ct.find() ? ct.group(1) : null;
            }
            return java.util.Arrays.copyOfRange(part, sep + 4, part.length);
        }

        private static int indexOf(byte[] hay, byte[] needle, int from) {
            outer:
            for (int i = from; i <= hay.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    private void getObject(HttpExchange ex, String bucket, String name, Map<String, String> query) throws IOException {
        String email = authenticate(ex, true, "storage.objects.get");
        if (email == null || !gcsAllowed(ex, email, bucket, name, "storage.objects.get")) {
            return;
        }
        Map<String, StoredObject> objects = buckets.get(bucket);
        if (objects == null) {
            gcsError(ex, 404, "The specified bucket does not exist.", "notFound");
            return;
        }
        StoredObject o = objects.get(name);
        String generation = query.get("generation");
        if (o == null || generation != null && !generation.equals(String.valueOf(o.generation()))) {
            gcsError(ex, 404, "No such object: " + bucket + "/" + name + (generation == null ? "" : "#" + generation), "notFound");
            return;
        }
        if ("media".equals(query.get("alt"))) {
            ex.getResponseHeaders().set("Content-Type", o.contentType());
            ex.getResponseHeaders().set("x-goog-hash", "crc32c=" + crc32cB64(o.bytes()) + ",md5=" + o.md5());
            ex.getResponseHeaders().set("x-goog-generation", String.valueOf(o.generation()));
            send(ex, 200, o.bytes());
            return;
        }
        json(ex, 200, objectResource(bucket, o));
    }

    private JsonObject objectResource(String bucket, StoredObject o) {
        JsonObject m = new JsonObject();
        m.addProperty("kind", "storage#object");
        m.addProperty("id", bucket + "/" + o.name() + "/" + o.generation());
        m.addProperty("name", o.name());
        m.addProperty("bucket", bucket);
        m.addProperty("generation", String.valueOf(o.generation()));
        m.addProperty("metageneration", "1");
        m.addProperty("contentType", o.contentType());
        m.addProperty("storageClass", "STANDARD");
        m.addProperty("size", String.valueOf(o.bytes().length));
        // Base64 of the raw digests, as GCS reports them (not hex).
        m.addProperty("md5Hash", o.md5());
        m.addProperty("crc32c", crc32cB64(o.bytes()));
        m.addProperty("etag", "CI" + Long.toString(o.generation(), 36) + "=");
        return m;
    }

    // ---- Secret Manager ------------------------------------------------------------------------------

    private void accessSecret(HttpExchange ex, String projectInPath, String id, String version) throws IOException {
        String email = authenticate(ex, false, null);
        if (email == null) {
            return;
        }
        String resource = "projects/" + projectInPath + "/secrets/" + id + "/versions/" + version;
        boolean ourProject = projectInPath.equals(project) || projectInPath.equals(String.valueOf(projectNumber));
        List<Version> versions = ourProject ? secrets.get(id) : null;
        boolean mayAccess = ourProject && iam.allowed(sa(email), "secretmanager.versions.access",
                secretResource(id), "projects/" + project);
        if (!mayAccess) {
            // A policy lives on an existing secret: with per-secret grants, an unknown secret is a 403 too.
            String msg = "Permission 'secretmanager.versions.access' denied for resource '" + resource
                    + "' (or it may not exist).";
            refusals.add(new Refusal(403, email, "GET " + resource, msg));
            googleError(ex, 403, "PERMISSION_DENIED", msg);
            return;
        }
        String numbered = "projects/" + projectNumber + "/secrets/" + id;
        if (versions == null) {
            googleError(ex, 404, "NOT_FOUND", "Secret [" + numbered + "] not found or has no versions.");
            return;
        }
        Version v;
        if (version.equals("latest")) {
            // "latest" is the most recently created version, whatever its state (not the latest enabled one).
            v = versions.isEmpty() ? null : versions.get(versions.size() - 1);
            if (v == null) {
                googleError(ex, 404, "NOT_FOUND", "Secret [" + numbered + "] not found or has no versions.");
                return;
            }
        } else {
            v = version.matches("[1-9][0-9]*") && Integer.parseInt(version) <= versions.size()
                    ? versions.get(Integer.parseInt(version) - 1) : null;
            if (v == null) {
                googleError(ex, 404, "NOT_FOUND", "Secret Version [" + numbered + "/versions/" + version + "] not found.");
                return;
            }
        }
        if (!v.state.equals("ENABLED")) {
            googleError(ex, 400, "FAILED_PRECONDITION", "Secret Version [" + numbered + "/versions/" + v.number
                    + "] is in " + v.state + " state.");
            return;
        }
        CRC32C c = new CRC32C();
        c.update(v.data);
        JsonObject payload = new JsonObject();
        payload.addProperty("data", Base64.getEncoder().encodeToString(v.data));
        // int64 in JSON: a decimal string.
        payload.addProperty("dataCrc32c", String.valueOf(c.getValue()));
        JsonObject o = new JsonObject();
        o.addProperty("name", numbered + "/versions/" + v.number);
        o.add("payload", payload);
        json(ex, 200, o);
    }

    // ---- Pub/Sub --------------------------------------------------------------------------------------

    private void publish(HttpExchange ex, String projectInPath, String topicId) throws IOException {
        String email = authenticate(ex, false, null);
        if (email == null) {
            return;
        }
        byte[] raw = ex.getRequestBody().readAllBytes();
        Topic topic = projectInPath.equals(project) ? topics.get(topicId) : null;
        if (topic == null) {
            googleError(ex, 404, "NOT_FOUND", "Resource not found (resource=" + topicId + ").");
            return;
        }
        if (!iam.allowed(sa(email), "pubsub.topics.publish", topicResource(topicId), "projects/" + project)) {
            refusals.add(new Refusal(403, email, "publish " + topicId, "pubsub.topics.publish"));
            googleError(ex, 403, "PERMISSION_DENIED", "User not authorized to perform this action.");
            return;
        }
        JsonObject req;
        try {
            req = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            googleError(ex, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + e.getMessage());
            return;
        }
        if (!req.has("messages") || req.getAsJsonArray("messages").isEmpty()) {
            googleError(ex, 400, "INVALID_ARGUMENT", "The request contains no messages (messages is empty).");
            return;
        }
        if (failPublishes.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            googleError(ex, 503, "UNAVAILABLE", "The service is currently unavailable (injected).");
            return;
        }
        JsonArray ids = new JsonArray();
        for (var e : req.getAsJsonArray("messages")) {
            JsonObject msg = e.getAsJsonObject();
            Map<String, String> attrs = new LinkedHashMap<>();
            if (msg.has("attributes")) {
                msg.getAsJsonObject("attributes").entrySet().forEach(a -> attrs.put(a.getKey(), a.getValue().getAsString()));
            }
            byte[] data = msg.has("data") ? Base64.getDecoder().decode(msg.get("data").getAsString()) : new byte[0];
            if (data.length == 0 && attrs.isEmpty()) {
                googleError(ex, 400, "INVALID_ARGUMENT", "A message must have data or at least one attribute.");
                return;
            }
            Message m = new Message(String.valueOf(messageIds.incrementAndGet()), data, Map.copyOf(attrs));
            // Delivered to each subscription that exists now; with none, the message is gone.
            for (String sub : topic.subscriptions) {
                subscriptions.get(sub).queue.add(m);
            }
            if (topic.retention) {
                topic.retained.add(new Published(Instant.now(), m));
            }
            ids.add(m.id());
        }
        JsonObject resp = new JsonObject();
        resp.add("messageIds", ids);
        json(ex, 200, resp);
    }

    /**
     * CreateSubscription ({@code PUT /v1/projects/P/subscriptions/S}, body a Subscription): needs
     * pubsub.subscriptions.create on the project and pubsub.topics.attachSubscription on the topic; 404 for a
     * missing topic, 409 for a taken name, 400 for a retention outside 10m..7d or an expiration ttl under 1 day.
     * Messages published before it exists are not delivered to it (without topic retention).
     */
    private void createSubscription(HttpExchange ex, String projectInPath, String subId) throws IOException {
        String email = authenticate(ex, false, null);
        if (email == null) {
            return;
        }
        JsonObject req;
        try {
            req = JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            googleError(ex, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + e.getMessage());
            return;
        }
        if (!projectInPath.equals(project)
                || !iam.allowed(sa(email), "pubsub.subscriptions.create", subscriptionResource(subId), "projects/" + project)) {
            refusals.add(new Refusal(403, email, "create subscription " + subId, "pubsub.subscriptions.create"));
            googleError(ex, 403, "PERMISSION_DENIED", "User not authorized to perform this action.");
            return;
        }
        String topicName = req.has("topic") ? req.get("topic").getAsString() : "";
        String prefix = "projects/" + project + "/topics/";
        String topicId = topicName.startsWith(prefix) ? topicName.substring(prefix.length()) : null;
        Topic topic = topicId == null ? null : topics.get(topicId);
        if (topic == null) {
            googleError(ex, 404, "NOT_FOUND", "Resource not found (resource=" + topicName + ").");
            return;
        }
        if (!iam.allowed(sa(email), "pubsub.topics.attachSubscription", topicResource(topicId), "projects/" + project)) {
            refusals.add(new Refusal(403, email, "attach subscription " + subId + " to " + topicId, "pubsub.topics.attachSubscription"));
            googleError(ex, 403, "PERMISSION_DENIED", "User not authorized to perform this action.");
            return;
        }
        Long retention = seconds(req, "messageRetentionDuration");
        if (retention != null && (retention < 600 || retention > 7 * 86_400)) {
            googleError(ex, 400, "INVALID_ARGUMENT", "Invalid message_retention_duration: must be between 10 minutes and 7 days.");
            return;
        }
        Long ttl = req.has("expirationPolicy") ? seconds(req.getAsJsonObject("expirationPolicy"), "ttl") : null;
        if (ttl != null && ttl < 86_400) {
            googleError(ex, 400, "INVALID_ARGUMENT", "Invalid expiration_policy.ttl: must be at least 1 day.");
            return;
        }
        Subscription sub = new Subscription(topicId);
        if (subscriptions.putIfAbsent(subId, sub) != null) {
            googleError(ex, 409, "ALREADY_EXISTS", "Resource already exists in the project (resource=" + subId + ").");
            return;
        }
        topic.subscriptions.add(subId);
        JsonObject resp = req.deepCopy();
        resp.addProperty("name", subscriptionResource(subId));
        if (!resp.has("ackDeadlineSeconds")) {
            resp.addProperty("ackDeadlineSeconds", 10);
        }
        resp.addProperty("state", "ACTIVE");
        json(ex, 200, resp);
    }

    private static Long seconds(JsonObject o, String field) {
        if (!o.has(field)) {
            return null;
        }
        String v = o.get(field).getAsString();
        return (long) Double.parseDouble(v.endsWith("s") ? v.substring(0, v.length() - 1) : v);
    }

    /** DeleteSubscription: needs pubsub.subscriptions.delete; 404 when there is none. */
    private void deleteSubscription(HttpExchange ex, String projectInPath, String subId) throws IOException {
        String email = authenticate(ex, false, null);
        if (email == null) {
            return;
        }
        drain(ex);
        if (!projectInPath.equals(project)
                || !iam.allowed(sa(email), "pubsub.subscriptions.delete", subscriptionResource(subId), "projects/" + project)) {
            refusals.add(new Refusal(403, email, "delete subscription " + subId, "pubsub.subscriptions.delete"));
            googleError(ex, 403, "PERMISSION_DENIED", "User not authorized to perform this action.");
            return;
        }
        Subscription s = subscriptions.remove(subId);
        if (s == null) {
            googleError(ex, 404, "NOT_FOUND", "Resource not found (resource=" + subId + ").");
            return;
        }
        topics.get(s.topic).subscriptions.remove(subId);
        iam.forget(subscriptionResource(subId));
        json(ex, 200, new JsonObject());
    }

    /** The subscriptions a topic has now (what a publish would deliver to). */
    public List<String> subscriptionsOf(String topic) {
        Topic t = topics.get(topic);
        return t == null ? List.of() : List.copyOf(t.subscriptions);
    }

    private void pullOrAck(HttpExchange ex, String projectInPath, String subId, String verb) throws IOException {
        String email = authenticate(ex, false, null);
        if (email == null) {
            return;
        }
        byte[] raw = ex.getRequestBody().readAllBytes();
        Subscription s = projectInPath.equals(project) ? subscriptions.get(subId) : null;
        if (s == null) {
            googleError(ex, 404, "NOT_FOUND", "Resource not found (resource=" + subId + ").");
            return;
        }
        if (!iam.allowed(sa(email), "pubsub.subscriptions.consume", subscriptionResource(subId), "projects/" + project)) {
            refusals.add(new Refusal(403, email, verb + " " + subId, "pubsub.subscriptions.consume"));
            googleError(ex, 403, "PERMISSION_DENIED", "User not authorized to perform this action.");
            return;
        }
        JsonObject req = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject resp = new JsonObject();
        synchronized (s) {
            if (verb.equals("pull")) {
                int max = req.has("maxMessages") ? req.get("maxMessages").getAsInt() : 0;
                if (max <= 0) {
                    googleError(ex, 400, "INVALID_ARGUMENT", "maxMessages must be > 0");
                    return;
                }
                JsonArray received = new JsonArray();
                for (Message m : s.queue) {
                    if (received.size() >= max) {
                        break;
                    }
                    if (s.leased.containsValue(m.id())) {
                        continue;
                    }
                    String ackId = "ack-" + m.id() + "-" + UUID.randomUUID();
                    s.leased.put(ackId, m.id());
                    JsonObject msg = new JsonObject();
                    msg.addProperty("data", Base64.getEncoder().encodeToString(m.data()));
                    JsonObject attrs = new JsonObject();
                    m.attributes().forEach(attrs::addProperty);
                    msg.add("attributes", attrs);
                    msg.addProperty("messageId", m.id());
                    JsonObject r = new JsonObject();
                    r.addProperty("ackId", ackId);
                    r.add("message", msg);
                    received.add(r);
                }
                if (!received.isEmpty()) {
                    resp.add("receivedMessages", received);
                }
            } else {
                for (var id : req.getAsJsonArray("ackIds")) {
                    String messageId = s.leased.remove(id.getAsString());
                    if (messageId != null) {
                        s.queue.removeIf(m -> m.id().equals(messageId));
                    }
                }
            }
        }
        json(ex, 200, resp);
    }

    // ---- a subscriber for tests --------------------------------------------------------------------

    /** Pulls and acknowledges through the REST API as the given account; keeps everything received. */
    public final class Subscriber {
        private final String subscription;
        private final String token;
        private final List<Message> received = Collections.synchronizedList(new ArrayList<>());
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

        Subscriber(String subscription, String email) {
            this.subscription = subscription;
            this.token = tokenFor(email);
        }

        /** Everything delivered so far, in delivery order (pulls until the subscription is empty). */
        public List<Message> received() {
            try {
                while (true) {
                    JsonObject r = call("pull", "{\"maxMessages\":100}");
                    if (!r.has("receivedMessages")) {
                        break;
                    }
                    JsonArray ackIds = new JsonArray();
                    for (var e : r.getAsJsonArray("receivedMessages")) {
                        JsonObject rm = e.getAsJsonObject();
                        JsonObject m = rm.getAsJsonObject("message");
                        Map<String, String> attrs = new LinkedHashMap<>();
                        m.getAsJsonObject("attributes").entrySet().forEach(a -> attrs.put(a.getKey(), a.getValue().getAsString()));
                        received.add(new Message(m.get("messageId").getAsString(),
                                Base64.getDecoder().decode(m.get("data").getAsString()), attrs));
                        ackIds.add(rm.get("ackId"));
                    }
                    JsonObject ack = new JsonObject();
                    ack.add("ackIds", ackIds);
                    call("acknowledge", ack.toString());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            synchronized (received) {
                return List.copyOf(received);
            }
        }

        private JsonObject call(String verb, String body) throws IOException, InterruptedException {
            var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    url() + "/v1/projects/" + project + "/subscriptions/" + subscription + ":" + verb))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new AssertionError(verb + " " + subscription + ": HTTP " + resp.statusCode() + " " + resp.body());
            }
            return JsonParser.parseString(resp.body()).getAsJsonObject();
        }
    }

    public Subscriber subscriber(String subscription, String email) {
        return new Subscriber(subscription, email);
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    private static final class Version {
        final int number;
        final byte[] data;
        volatile String state = "ENABLED";

        Version(int number, byte[] data) {
            this.number = number;
            this.data = data;
        }
    }

    private record Published(Instant time, Message message) {}

    private static final class Topic {
        final boolean retention;
        final List<String> subscriptions = new CopyOnWriteArrayList<>();
        final List<Published> retained = new CopyOnWriteArrayList<>();

        Topic(boolean retention) { this.retention = retention; }
    }

    private static final class Subscription {
        final String topic;
        final List<Message> queue = new CopyOnWriteArrayList<>();
        /** ackId -> message id, for messages pulled and not yet acknowledged. */
        final Map<String, String> leased = new ConcurrentHashMap<>();

        Subscription(String topic) { this.topic = topic; }
    }

    private static JsonObject gcsErrorBody(int status, String message, String reason) {
        JsonObject detail = new JsonObject();
        detail.addProperty("message", message);
        detail.addProperty("domain", "global");
        detail.addProperty("reason", reason);
        JsonArray errors = new JsonArray();
        errors.add(detail);
        JsonObject err = new JsonObject();
        err.addProperty("code", status);
        err.addProperty("message", message);
        err.add("errors", errors);
        JsonObject body = new JsonObject();
        body.add("error", err);
        return body;
    }

    private static void gcsError(HttpExchange ex, int status, String message, String reason) throws IOException {
        json(ex, status, gcsErrorBody(status, message, reason));
    }

    /** The google.rpc.Status shape Secret Manager and Pub/Sub answer with over REST. */
    private static void googleError(HttpExchange ex, int status, String code, String message) throws IOException {
        JsonObject err = new JsonObject();
        err.addProperty("code", status);
        err.addProperty("message", message);
        err.addProperty("status", code);
        JsonObject body = new JsonObject();
        body.add("error", err);
        json(ex, status, body);
    }

    private static void json(HttpExchange ex, int status, JsonObject body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        send(ex, status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/text");
        send(ex, status, body.getBytes(StandardCharsets.UTF_8));
    }

    public static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void drain(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    public static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            q.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return q;
    }

    private static String decode(String s) { return URLDecoder.decode(s, StandardCharsets.UTF_8); }

    public static String md5B64(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            StringBuilder sb = new StringBuilder();
            for (byte x : MessageDigest.getInstance("SHA-256").digest(bytes)) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GCS reports crc32c as the base64 of the big-endian 4-byte Castagnoli checksum. */
    public static String crc32cB64(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
    }
}
