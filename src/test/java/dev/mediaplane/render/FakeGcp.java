package dev.mediaplane.render;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stand-in for the GCE metadata server, the GCS JSON API and the Secret Manager REST API, on
 * 127.0.0.1 only. It checks the headers the real services require (Metadata-Flavor, a bearer
 * token) so a script that forgets them fails here too.
 */
final class FakeGcp implements AutoCloseable {
    static final String TOKEN = "ya29.PLANTED-TOKEN-b81e";

    final Map<String, String> metadata = new ConcurrentHashMap<>();
    /** GCS object name -> bytes, per bucket. */
    final Map<String, Map<String, byte[]>> buckets = new ConcurrentHashMap<>();
    /** Secret id -> value (latest version). */
    final Map<String, byte[]> secrets = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> rejected = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeGcp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/computeMetadata/v1/", this::metadata);
        server.createContext("/storage/v1/b/", this::gcs);
        server.createContext("/v1/projects/", this::secret);
        server.createContext("/repo/", this::repo);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void metadata(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/computeMetadata/v1/".length());
        requests.add("metadata " + path);
        if (!"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))) {
            rejected.add("metadata without Metadata-Flavor: " + path);
            send(ex, 403, "missing Metadata-Flavor");
            return;
        }
        if (path.equals("instance/service-accounts/default/token")) {
            send(ex, 200, "{\"access_token\":\"" + TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
            return;
        }
        String v = metadata.get(path);
        if (v == null) {
            send(ex, 404, "not found");
        } else {
            send(ex, 200, v);
        }
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            rejected.add("no bearer token: " + ex.getRequestURI());
            send(ex, 401, "unauthenticated");
            return false;
        }
        return true;
    }

    private void gcs(HttpExchange ex) throws IOException {
        // getRawPath: the object name is one %2F-encoded segment, as in the real JSON API.
        String raw = ex.getRequestURI().getRawPath().substring("/storage/v1/b/".length());
        requests.add("gcs " + raw);
        if (!authorized(ex)) {
            return;
        }
        String[] parts = raw.split("/");
        if (parts.length != 3 || !parts[1].equals("o") || !"alt=media".equals(ex.getRequestURI().getRawQuery())) {
            send(ex, 400, "bad object url: " + raw);
            return;
        }
        String object = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
        byte[] b = buckets.getOrDefault(parts[0], Map.of()).get(object);
        if (b == null) {
            send(ex, 404, "{\"error\":{\"code\":404}}");
        } else {
            send(ex, 200, b);
        }
    }

    private void secret(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add("secret " + path);
        if (!authorized(ex)) {
            return;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("/v1/projects/([a-z0-9-]+)/secrets/([A-Za-z0-9_-]+)/versions/latest:access").matcher(path);
        if (!m.matches() || !"GET".equals(ex.getRequestMethod())) {
            send(ex, 400, "bad secret url");
            return;
        }
        byte[] v = secrets.get(m.group(2));
        if (v == null) {
            send(ex, 404, "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}");
            return;
        }
        send(ex, 200, "{\n  \"name\": \"projects/123/secrets/" + m.group(2) + "/versions/1\",\n  \"payload\": {\n    \"data\": \""
                + Base64.getEncoder().encodeToString(v) + "\",\n    \"dataCrc32c\": \"1\"\n  }\n}\n");
    }

    /** Basic auth with the token as password, as SignalWire's repository wants. */
    final Map<String, String> repoFiles = new ConcurrentHashMap<>();
    volatile String repoToken;

    private void repo(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add("repo " + path);
        String want = "Basic " + Base64.getEncoder().encodeToString(("signalwire:" + repoToken).getBytes(StandardCharsets.UTF_8));
        if (repoToken == null || !want.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            rejected.add("repo without the token: " + path);
            send(ex, 401, "unauthorized");
            return;
        }
        String body = repoFiles.get(path);
        if (body == null) {
            send(ex, 404, "not found");
        } else {
            send(ex, 200, body);
        }
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        send(ex, code, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
