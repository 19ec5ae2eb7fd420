package dev.mediaplane.node;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Loopback stand-in for exactly the Google APIs the uploader calls: the metadata server's token
 * endpoint, GCS JSON API media upload (with {@code ifGenerationMatch}) and object get (metadata and
 * {@code alt=media}), and Pub/Sub publish. Faults are injected through public counters.
 *
 * <p>It also answers {@code POST /__test/before-rm}, called by the test's {@code rm} shim while the
 * local file still exists: it records whether a verified object (same bytes) and its manifest were
 * in the bucket at that moment.
 */
public final class GcpStandIn implements AutoCloseable {

    /** One stored object. */
    public record StoredObject(String name, byte[] bytes, long generation, String contentType) {
        public String md5() { return md5B64(bytes); }
    }

    /** One published Pub/Sub message. */
    public record Message(byte[] data, Map<String, String> attributes) {}

    /** One local deletion seen by the rm shim, judged while the file still existed. */
    public record Deletion(String path, boolean verified, String detail) {}

    public final String token = "ya29.MARKER-" + UUID.randomUUID();
    public final String bucket;

    /** Next N uploads answer 503 without storing. */
    public final AtomicInteger failUploads = new AtomicInteger();
    /** Next N stored uploads report a wrong md5Hash in the response (the stored bytes are right). */
    public final AtomicInteger wrongMd5Responses = new AtomicInteger();
    /** Next N uploads store corrupted bytes (transit corruption the server did not catch). */
    public final AtomicInteger corruptStores = new AtomicInteger();
    /** Next N publishes answer 503. */
    public final AtomicInteger failPublishes = new AtomicInteger();

    private volatile CountDownLatch stallArrived;
    private volatile CountDownLatch stallRelease;
    private volatile boolean stallCommits;

    private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> creations = new ConcurrentHashMap<>();
    private final AtomicInteger preconditionFailures = new AtomicInteger();
    private final AtomicInteger uploadRequests = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private final List<Message> messages = Collections.synchronizedList(new ArrayList<>());
    private final List<Deletion> deletions = Collections.synchronizedList(new ArrayList<>());
    private volatile Path recordingsDir;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "gcp-stand-in");
        t.setDaemon(true);
        return t;
    });

    public GcpStandIn(String bucket) throws IOException {
        this.bucket = bucket;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    public void recordingsDir(Path dir) { this.recordingsDir = dir; }

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

    public Map<String, StoredObject> objects() { return Map.copyOf(objects); }

    public int creations(String name) {
        AtomicInteger n = creations.get(name);
        return n == null ? 0 : n.get();
    }

    public int preconditionFailures() { return preconditionFailures.get(); }

    public int uploadRequests() { return uploadRequests.get(); }

    public int unauthorized() { return unauthorized.get(); }

    public List<Message> messages() { synchronized (messages) { return List.copyOf(messages); } }

    public List<Deletion> deletions() { synchronized (deletions) { return List.copyOf(deletions); } }

    @Override
    public void close() {
        CountDownLatch release = stallRelease;
        if (release != null) {
            release.countDown();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    // -----------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            if (path.equals("/computeMetadata/v1/instance/service-accounts/default/token") && method.equals("GET")) {
                token(ex);
            } else if (path.equals("/__test/before-rm") && method.equals("POST")) {
                beforeRm(ex);
            } else if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                unauthorized.incrementAndGet();
                drain(ex);
                error(ex, 401, "Invalid Credentials");
            } else if (path.equals("/upload/storage/v1/b/" + bucket + "/o") && method.equals("POST")) {
                upload(ex, query);
            } else if (path.startsWith("/storage/v1/b/" + bucket + "/o/") && method.equals("GET")) {
                get(ex, decode(path.substring(("/storage/v1/b/" + bucket + "/o/").length())), query);
            } else if (path.matches("/v1/projects/[^/]+/topics/[^/]+:publish") && method.equals("POST")) {
                publish(ex);
            } else {
                drain(ex);
                error(ex, 404, "no such API in the stand-in: " + method + " " + path);
            }
        } catch (IOException e) {
            // The client went away (a killed uploader): nothing to answer.
        }
    }

    private void token(HttpExchange ex) throws IOException {
        if (!"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))) {
            error(ex, 403, "Missing Metadata-Flavor:Google header");
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("access_token", token);
        o.addProperty("expires_in", 3599);
        o.addProperty("token_type", "Bearer");
        json(ex, 200, o);
    }

    private void upload(HttpExchange ex, Map<String, String> query) throws IOException {
        uploadRequests.incrementAndGet();
        String name = query.get("name");
        byte[] body = ex.getRequestBody().readAllBytes();
        if (!"media".equals(query.get("uploadType")) || name == null) {
            error(ex, 400, "stand-in implements uploadType=media with name only");
            return;
        }
        if (!"0".equals(query.get("ifGenerationMatch"))) {
            // The uploader must never ask for an overwrite.
            error(ex, 400, "stand-in requires ifGenerationMatch=0, got " + query.get("ifGenerationMatch"));
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
            error(ex, 503, "Backend Error (injected)");
            return;
        }
        byte[] stored = body;
        if (corruptStores.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 && body.length > 0) {
            stored = body.clone();
            stored[stored.length - 1] ^= 0x5a;
        }
        StoredObject created = new StoredObject(name, stored, generations.incrementAndGet(),
                ex.getRequestHeaders().getFirst("Content-Type"));
        StoredObject existing;
        synchronized (objects) {
            existing = objects.putIfAbsent(name, created);
            if (existing == null) {
                creations.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            }
        }
        if (existing != null) {
            preconditionFailures.incrementAndGet();
            error(ex, 412, "At least one of the pre-conditions you specified did not hold.");
            return;
        }
        JsonObject meta = metadata(created);
        if (wrongMd5Responses.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            meta.addProperty("md5Hash", md5B64(new byte[] {1, 2, 3}));
        }
        json(ex, 200, meta);
    }

    private void get(HttpExchange ex, String name, Map<String, String> query) throws IOException {
        StoredObject o = objects.get(name);
        if (o == null) {
            error(ex, 404, "No such object: " + bucket + "/" + name);
            return;
        }
        if ("media".equals(query.get("alt"))) {
            ex.sendResponseHeaders(200, o.bytes().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(o.bytes());
            }
            return;
        }
        json(ex, 200, metadata(o));
    }

    private void publish(HttpExchange ex) throws IOException {
        JsonObject req = JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                .getAsJsonObject();
        if (failPublishes.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            error(ex, 503, "The service is currently unavailable (injected)");
            return;
        }
        JsonArray ids = new JsonArray();
        for (var m : req.getAsJsonArray("messages")) {
            JsonObject msg = m.getAsJsonObject();
            Map<String, String> attrs = new LinkedHashMap<>();
            if (msg.has("attributes")) {
                msg.getAsJsonObject("attributes").entrySet()
                        .forEach(e -> attrs.put(e.getKey(), e.getValue().getAsString()));
            }
            messages.add(new Message(Base64.getDecoder().decode(msg.get("data").getAsString()), attrs));
            ids.add(String.valueOf(messages.size()));
        }
        JsonObject resp = new JsonObject();
        resp.add("messageIds", ids);
        json(ex, 200, resp);
    }

    private void beforeRm(HttpExchange ex) throws IOException {
        String file = query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).get("path");
        deletions.add(judgeDeletion(file));
        ex.sendResponseHeaders(204, -1);
    }

    private Deletion judgeDeletion(String file) {
        Path dir = recordingsDir;
        if (file == null || dir == null || !file.startsWith(dir + "/")) {
            return new Deletion(String.valueOf(file), false, "outside the recordings dir");
        }
        String[] parts = file.substring(dir.toString().length() + 1).split("/");
        if (parts.length != 3 || !parts[2].endsWith(".wav")) {
            return new Deletion(file, false, "not a recording path");
        }
        String rec = parts[2].substring(0, parts[2].length() - 4);
        String object = "org/" + parts[0] + "/recordings/" + parts[1] + "/" + rec + ".wav";
        String manifest = "org/" + parts[0] + "/recordings/" + parts[1] + "/" + rec + ".manifest.json";
        byte[] local;
        try {
            local = Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            return new Deletion(file, false, "local file unreadable at deletion: " + e);
        }
        StoredObject o = objects.get(object);
        if (o == null) {
            return new Deletion(file, false, "no object " + object);
        }
        if (!md5B64(local).equals(o.md5())) {
            return new Deletion(file, false, "object " + object + " has other bytes");
        }
        if (!objects.containsKey(manifest)) {
            return new Deletion(file, false, "no manifest " + manifest);
        }
        return new Deletion(file, true, "verified " + object);
    }

    // -----------------------------------------------------------------------------------------

    private JsonObject metadata(StoredObject o) {
        JsonObject m = new JsonObject();
        m.addProperty("kind", "storage#object");
        m.addProperty("bucket", bucket);
        m.addProperty("name", o.name());
        m.addProperty("generation", String.valueOf(o.generation()));
        m.addProperty("metageneration", "1");
        m.addProperty("contentType", o.contentType());
        m.addProperty("size", String.valueOf(o.bytes().length));
        m.addProperty("md5Hash", o.md5());
        m.addProperty("crc32c", crc32cB64(o.bytes()));
        return m;
    }

    private static void json(HttpExchange ex, int status, JsonObject body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        JsonObject err = new JsonObject();
        err.addProperty("code", status);
        err.addProperty("message", message);
        JsonObject body = new JsonObject();
        body.add("error", err);
        json(ex, status, body);
    }

    private static void drain(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static Map<String, String> query(String raw) {
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
            for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
                sb.append(String.format("%02x", b));
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
