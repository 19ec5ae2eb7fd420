package dev.mediaplane.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A package repository behind HTTP basic auth (user "signalwire", the token as password), as SignalWire's is. */
public final class BasicAuthRepo implements HttpHandler {
    /** Request path -> body. */
    public final Map<String, String> files = new ConcurrentHashMap<>();
    /** Requests answered 401. */
    public final List<String> rejected = new CopyOnWriteArrayList<>();
    private final String user;
    private final String token;

    public BasicAuthRepo(String user, String token) {
        this.user = user;
        this.token = token;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String want = "Basic " + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
        if (!want.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            rejected.add("repo without the token: " + path);
            GcpStandIn.send(ex, 401, "unauthorized".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String body = files.get(path);
        GcpStandIn.send(ex, body == null ? 404 : 200, (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8));
    }
}
