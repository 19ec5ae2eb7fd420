package dev.mediaplane.ops.release;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback (127.0.0.1) stand-in of the Compute Engine REST v1 endpoints the release commands
 * call: regional instance group managers (get, listManagedInstances, recreateInstances), region
 * operations, global instance templates. As strict as the real API on what they rely on: a bearer
 * token on every call (401 UNAUTHENTICATED without), IAM checked per permission before existence
 * (403 "Required '...' permission for '...'", then 404 "The resource '...' was not found"), the
 * Google error body shape, paging of listManagedInstances (two per page, like a small maxResults),
 * and instances that move through RECREATING before they are RUNNING and healthy.
 */
public final class ComputeStandIn implements AutoCloseable {

    /** One VM of the group; mutable as the group acts on it. */
    public static final class Instance {
        public final String name;
        public final String zone;
        public volatile String template;
        public volatile String status = "RUNNING";
        public volatile String action = "NONE";
        public volatile String health = "HEALTHY";
        public volatile int stepsLeft;

        public Instance(String name, String zone, String template) {
            this.name = name;
            this.zone = zone;
            this.template = template;
        }
    }

    /** One version of the group. */
    public record Version(String name, String template, Integer fixedSize) {}

    public final String project;
    public final String region;
    /** Template name -> release hash in its metadata (null: the template carries none). */
    public final Map<String, String> templates = new ConcurrentHashMap<>();
    /** Group name -> versions. */
    public final Map<String, List<Version>> groups = new ConcurrentHashMap<>();
    /** Group name -> instances, in creation order. */
    public final Map<String, List<Instance>> instances = new ConcurrentHashMap<>();
    /** Token -> principal. */
    public final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** Principal -> permissions granted on the project. */
    public final Map<String, Set<String>> grants = new ConcurrentHashMap<>();
    /** Instances that never become healthy after a recreate. */
    public final Set<String> neverReady = ConcurrentHashMap.newKeySet();
    /** listManagedInstances calls a recreated instance takes to become ready. */
    public volatile int stepsToReady = 2;
    /** Every request, "METHOD path". */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** Recreate requests per instance name. */
    public final Map<String, AtomicInteger> recreates = new ConcurrentHashMap<>();
    private final Map<String, Integer> operations = new ConcurrentHashMap<>();
    private final AtomicInteger opIds = new AtomicInteger();
    private final HttpServer server;

    public ComputeStandIn(String project, String region) throws IOException {
        this.project = project;
        this.region = region;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The API root the client takes ({@code .../compute/v1/}). */
    public String root() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/compute/v1/";
    }

    /** A token for {@code principal} with the read and recreate permissions the commands need. */
    public String operator(String principal) {
        String token = "ya29.COMPUTE-MARKER-" + principal.replaceAll("[^A-Za-z0-9]", "-");
        tokens.put(token, principal);
        grants.put(principal, ConcurrentHashMap.newKeySet());
        grants.get(principal).addAll(List.of("compute.instanceGroupManagers.get", "compute.instanceGroupManagers.update",
                "compute.instanceTemplates.get", "compute.regionOperations.get"));
        return token;
    }

    public void group(String name, List<Version> versions, List<Instance> nodes) {
        groups.put(name, List.copyOf(versions));
        instances.put(name, new CopyOnWriteArrayList<>(nodes));
    }

    /** The numeric id listManagedInstances reports for an instance. */
    public static String idOf(String instance) {
        return String.valueOf(Math.abs((long) instance.hashCode()) + 1000);
    }

    public int recreates(String instance) {
        return recreates.getOrDefault(instance, new AtomicInteger()).get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    private static final String P = "/compute/v1/projects/([^/]+)";
    private static final Pattern MIG = Pattern.compile(P + "/regions/([^/]+)/instanceGroupManagers/([^/]+)(/[A-Za-z]+)?");
    private static final Pattern OP = Pattern.compile(P + "/regions/([^/]+)/operations/([^/]+)");
    private static final Pattern TEMPLATE = Pattern.compile(P + "/global/instanceTemplates/([^/]+)");

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            requests.add(method + " " + path);
            byte[] body = ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String principal = auth != null && auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
            if (principal == null) {
                error(ex, 401, "UNAUTHENTICATED", "required", "Request is missing required authentication credential."
                        + " Expected OAuth 2 access token, login cookie or other valid authentication credential.");
                return;
            }
            Matcher m;
            if ((m = MIG.matcher(path)).matches()) {
                String resource = "projects/" + m.group(1) + "/regions/" + m.group(2) + "/instanceGroupManagers/" + m.group(3);
                String verb = m.group(4) == null ? "" : m.group(4).substring(1);
                String permission = switch (verb) {
                    case "" , "listManagedInstances" -> "compute.instanceGroupManagers.get";
                    case "recreateInstances" -> "compute.instanceGroupManagers.update";
                    default -> null;
                };
                if (permission == null || (verb.isEmpty() ? !method.equals("GET") : !method.equals("POST"))) {
                    error(ex, 404, null, "notFound", "The stand-in has no API at " + method + " " + path);
                    return;
                }
                if (!allowed(ex, principal, permission, resource, m.group(1))) {
                    return;
                }
                List<Version> versions = m.group(2).equals(region) ? groups.get(m.group(3)) : null;
                if (versions == null) {
                    error(ex, 404, null, "notFound", "The resource '" + resource + "' was not found");
                    return;
                }
                switch (verb) {
                    case "" -> json(ex, 200, groupJson(m.group(3), versions));
                    case "listManagedInstances" -> json(ex, 200, list(m.group(3), ex.getRequestURI().getQuery()));
                    default -> recreate(ex, m.group(3), body);
                }
            } else if ((m = OP.matcher(path)).matches() && method.equals("GET")) {
                String resource = "projects/" + m.group(1) + "/regions/" + m.group(2) + "/operations/" + m.group(3);
                if (!allowed(ex, principal, "compute.regionOperations.get", resource, m.group(1))) {
                    return;
                }
                Integer polls = operations.computeIfPresent(m.group(3), (k, v) -> v + 1);
                if (polls == null) {
                    error(ex, 404, null, "notFound", "The resource '" + resource + "' was not found");
                    return;
                }
                json(ex, 200, op(m.group(3), polls >= 2 ? "DONE" : "RUNNING"));
            } else if ((m = TEMPLATE.matcher(path)).matches() && method.equals("GET")) {
                String resource = "projects/" + m.group(1) + "/global/instanceTemplates/" + m.group(2);
                if (!allowed(ex, principal, "compute.instanceTemplates.get", resource, m.group(1))) {
                    return;
                }
                if (!templates.containsKey(m.group(2))) {
                    error(ex, 404, null, "notFound", "The resource '" + resource + "' was not found");
                    return;
                }
                JsonObject t = new JsonObject();
                t.addProperty("kind", "compute#instanceTemplate");
                t.addProperty("name", m.group(2));
                JsonObject props = new JsonObject();
                JsonObject md = new JsonObject();
                JsonArray items = new JsonArray();
                String release = templates.get(m.group(2));
                if (!release.isEmpty()) {
                    JsonObject item = new JsonObject();
                    item.addProperty("key", "mediaplane-release");
                    item.addProperty("value", release);
                    items.add(item);
                }
                md.add("items", items);
                props.add("metadata", md);
                t.add("properties", props);
                json(ex, 200, t);
            } else {
                error(ex, 404, null, "notFound", "The stand-in has no API at " + method + " " + path);
            }
        }
    }

    /** IAM before existence, as the real API: a caller without the permission learns nothing else. */
    private boolean allowed(HttpExchange ex, String principal, String permission, String resource, String inProject)
            throws IOException {
        if (!inProject.equals(project) || !grants.getOrDefault(principal, Set.of()).contains(permission)) {
            error(ex, 403, null, "forbidden", "Required '" + permission + "' permission for '" + resource + "'");
            return false;
        }
        return true;
    }

    private JsonObject groupJson(String name, List<Version> versions) {
        JsonObject g = new JsonObject();
        g.addProperty("kind", "compute#instanceGroupManager");
        g.addProperty("name", name);
        g.addProperty("targetSize", instances.get(name).size());
        JsonArray vs = new JsonArray();
        for (Version v : versions) {
            JsonObject x = new JsonObject();
            x.addProperty("name", v.name());
            x.addProperty("instanceTemplate", "https://www.googleapis.com/compute/v1/projects/" + project
                    + "/global/instanceTemplates/" + v.template());
            if (v.fixedSize() != null) {
                JsonObject ts = new JsonObject();
                ts.addProperty("fixed", v.fixedSize());
                ts.addProperty("calculated", v.fixedSize());
                x.add("targetSize", ts);
            }
            vs.add(x);
        }
        g.add("versions", vs);
        JsonObject status = new JsonObject();
        status.addProperty("isStable", instances.get(name).stream().allMatch(i -> i.action.equals("NONE")));
        g.add("status", status);
        return g;
    }

    private synchronized JsonObject list(String group, String query) {
        List<Instance> all = instances.get(group);
        // Each list is one step of the group's work on recreated instances.
        for (Instance i : all) {
            if (!i.action.equals("NONE")) {
                if (--i.stepsLeft <= 0) {
                    i.action = "NONE";
                    i.status = "RUNNING";
                    i.template = groups.get(group).get(0).template();
                    i.health = neverReady.contains(i.name) ? "UNHEALTHY" : "HEALTHY";
                } else {
                    i.status = "STAGING";
                    i.action = "RECREATING";
                    i.health = "UNKNOWN";
                }
            }
        }
        int from = 0;
        if (query != null && query.startsWith("pageToken=")) {
            from = Integer.parseInt(query.substring("pageToken=".length()));
        }
        JsonObject r = new JsonObject();
        JsonArray list = new JsonArray();
        for (int k = from; k < Math.min(all.size(), from + 2); k++) {
            Instance i = all.get(k);
            JsonObject x = new JsonObject();
            x.addProperty("instance", "https://www.googleapis.com/compute/v1/projects/" + project + "/zones/" + i.zone
                    + "/instances/" + i.name);
            x.addProperty("id", idOf(i.name));
            x.addProperty("instanceStatus", i.status);
            x.addProperty("currentAction", i.action);
            JsonObject v = new JsonObject();
            v.addProperty("instanceTemplate", "https://www.googleapis.com/compute/v1/projects/" + project
                    + "/global/instanceTemplates/" + i.template);
            x.add("version", v);
            JsonArray health = new JsonArray();
            JsonObject h = new JsonObject();
            h.addProperty("healthCheck", "https://www.googleapis.com/compute/v1/projects/" + project
                    + "/global/healthChecks/live");
            h.addProperty("detailedHealthState", i.health);
            health.add(h);
            x.add("instanceHealth", health);
            list.add(x);
        }
        r.add("managedInstances", list);
        if (from + 2 < all.size()) {
            r.addProperty("nextPageToken", String.valueOf(from + 2));
        }
        return r;
    }

    private synchronized void recreate(HttpExchange ex, String group, byte[] body) throws IOException {
        JsonObject req = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
        List<Instance> targets = new ArrayList<>();
        for (var e : req.getAsJsonArray("instances")) {
            String url = e.getAsString();
            Optional<Instance> hit = instances.get(group).stream()
                    .filter(i -> url.equals("zones/" + i.zone + "/instances/" + i.name)).findFirst();
            if (hit.isEmpty()) {
                error(ex, 400, null, "invalid", "Invalid value for field 'resource.instances[0]': '" + url
                        + "'. The instance is not a member of the instance group.");
                return;
            }
            targets.add(hit.get());
        }
        for (Instance i : targets) {
            recreates.computeIfAbsent(i.name, k -> new AtomicInteger()).incrementAndGet();
            i.action = "RECREATING";
            i.status = "STOPPING";
            i.health = "UNKNOWN";
            i.stepsLeft = stepsToReady;
        }
        String id = "operation-" + opIds.incrementAndGet();
        operations.put(id, 0);
        json(ex, 200, op(id, "RUNNING"));
    }

    private JsonObject op(String id, String status) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", "compute#operation");
        o.addProperty("name", id);
        o.addProperty("operationType", "recreateInstances");
        o.addProperty("status", status);
        o.addProperty("selfLink", root() + "projects/" + project + "/regions/" + region + "/operations/" + id);
        return o;
    }

    private static void error(HttpExchange ex, int code, String status, String reason, String message) throws IOException {
        JsonObject err = new JsonObject();
        JsonObject e = new JsonObject();
        e.addProperty("code", code);
        e.addProperty("message", message);
        JsonArray errors = new JsonArray();
        JsonObject one = new JsonObject();
        one.addProperty("message", message);
        one.addProperty("domain", "global");
        one.addProperty("reason", reason);
        errors.add(one);
        e.add("errors", errors);
        if (status != null) {
            e.addProperty("status", status);
        }
        err.add("error", e);
        json(ex, code, err);
    }

    private static void json(HttpExchange ex, int code, JsonObject body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }
}
