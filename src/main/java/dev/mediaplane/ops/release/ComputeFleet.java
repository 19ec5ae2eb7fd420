package dev.mediaplane.ops.release;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.Credentials;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.render.NodeContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet as Compute Engine sees it: the regional instance group's versions, its managed
 * instances with their template and health, the release each template carries, and the one write
 * the rollout makes ({@code recreateInstances}, one node at a time).
 *
 * <p>Calls the Compute REST API v1 with google-http-client and google-auth-library (Google's own
 * HTTP and auth libraries: the caller's credentials, refreshed, on every request), because
 * google-cloud-compute is not served by the Maven repository this project builds from. Only the
 * documented endpoints below are used; {@code root} is the API root ({@link #GOOGLE}, or a
 * stand-in's in tests, like google-cloud-compute's endpoint setting).
 */
public final class ComputeFleet {

    /** Google's Compute API root. */
    public static final String GOOGLE = "https://compute.googleapis.com/compute/v1/";

    /** One version of the group: the {@code stable} or {@code canary} template, with a fixed size for the canary. */
    public record Version(String name, String template, Optional<Integer> targetSize) {}

    /** The group: its versions and size, and whether GCE reports it settled (no action in progress). */
    public record Group(String name, List<Version> versions, int targetSize, boolean stable) {}

    /**
     * One managed instance.
     *
     * @param name the instance name
     * @param id the instance's numeric id (empty while it does not exist yet)
     * @param zone the instance's zone
     * @param status the instance's status (RUNNING, STAGING, ...); empty while it does not exist yet
     * @param currentAction the group's action on it (NONE, CREATING, RECREATING, VERIFYING, ...)
     * @param template the instance template name it was created from
     * @param health the autohealing check's state (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, UNKNOWN); empty when none yet
     */
    public record Node(String name, String id, String zone, String status, String currentAction, String template, String health) {
        /** Running, nothing in progress, and the liveness check healthy. */
        public boolean ready() {
            return status.equals("RUNNING") && currentAction.equals("NONE") && health.equals("HEALTHY");
        }
    }

    private final String project;
    private final String root;
    private final HttpRequestFactory http;
    private final Map<String, Optional<String>> releaseByTemplate = new HashMap<>();

    public ComputeFleet(String project, Credentials credentials, String root) {
        this.project = project;
        this.root = root.endsWith("/") ? root : root + "/";
        this.http = new NetHttpTransport().createRequestFactory(new HttpCredentialsAdapter(credentials));
    }

    /** The group's versions and size. */
    public Group group(String region, String name) {
        JsonObject g = call("GET", regional(region, name), null);
        List<Version> versions = new ArrayList<>();
        for (JsonElement e : array(g, "versions")) {
            JsonObject v = e.getAsJsonObject();
            Optional<Integer> size = v.has("targetSize") && v.getAsJsonObject("targetSize").has("fixed")
                    ? Optional.of(v.getAsJsonObject("targetSize").get("fixed").getAsInt()) : Optional.empty();
            versions.add(new Version(str(v, "name"), last(str(v, "instanceTemplate")), size));
        }
        boolean stable = g.has("status") && g.getAsJsonObject("status").has("isStable")
                && g.getAsJsonObject("status").get("isStable").getAsBoolean();
        return new Group(str(g, "name"), versions, g.has("targetSize") ? g.get("targetSize").getAsInt() : 0, stable);
    }

    /** The group's managed instances, every page. */
    public List<Node> nodes(String region, String group) {
        List<Node> nodes = new ArrayList<>();
        String page = null;
        do {
            String url = regional(region, group) + "/listManagedInstances" + (page == null ? "" : "?pageToken=" + page);
            JsonObject r = call("POST", url, new JsonObject());
            for (JsonElement e : array(r, "managedInstances")) {
                JsonObject m = e.getAsJsonObject();
                String instance = str(m, "instance");
                String health = "";
                for (JsonElement h : array(m, "instanceHealth")) {
                    health = str(h.getAsJsonObject(), "detailedHealthState");
                }
                String template = m.has("version") ? last(str(m.getAsJsonObject("version"), "instanceTemplate")) : "";
                nodes.add(new Node(last(instance), str(m, "id"), zoneOf(instance), str(m, "instanceStatus"), str(m, "currentAction"),
                        template, health));
            }
            page = r.has("nextPageToken") ? r.get("nextPageToken").getAsString() : null;
        } while (page != null && !page.isEmpty());
        return nodes;
    }

    /** The release hash a template's metadata carries ({@link NodeContract.Attributes#release()}); empty if none. */
    public Optional<String> releaseOf(String template) {
        return releaseByTemplate.computeIfAbsent(template, t -> {
            JsonObject tpl = call("GET", root + "projects/" + project + "/global/instanceTemplates/" + t, null);
            JsonObject props = tpl.has("properties") ? tpl.getAsJsonObject("properties") : new JsonObject();
            JsonObject md = props.has("metadata") ? props.getAsJsonObject("metadata") : new JsonObject();
            String key = NodeContract.STANDARD.attributes().release();
            for (JsonElement e : array(md, "items")) {
                if (key.equals(str(e.getAsJsonObject(), "key"))) {
                    return Optional.of(str(e.getAsJsonObject(), "value"));
                }
            }
            return Optional.empty();
        });
    }

    /** Asks the group to recreate one instance; returns the region operation's name. */
    public String recreate(String region, String group, Node node) {
        JsonObject body = new JsonObject();
        JsonArray instances = new JsonArray();
        instances.add("zones/" + node.zone() + "/instances/" + node.name());
        body.add("instances", instances);
        JsonObject op = call("POST", regional(region, group) + "/recreateInstances", body);
        return str(op, "name");
    }

    /** A region operation's status (PENDING, RUNNING, DONE); throws when it finished with an error. */
    public String operation(String region, String name) {
        JsonObject op = call("GET", root + "projects/" + project + "/regions/" + region + "/operations/" + name, null);
        if (op.has("error")) {
            throw new CloudException("operation " + name + " failed: " + op.get("error"));
        }
        return str(op, "status");
    }

    private String regional(String region, String group) {
        return root + "projects/" + project + "/regions/" + region + "/instanceGroupManagers/" + group;
    }

    private JsonObject call(String method, String url, JsonObject body) {
        try {
            HttpRequest req = http.buildRequest(method, new GenericUrl(url), body == null ? null
                    : new ByteArrayContent("application/json", body.toString().getBytes(StandardCharsets.UTF_8)));
            HttpResponse resp = req.execute();
            try {
                return JsonParser.parseString(resp.parseAsString()).getAsJsonObject();
            } finally {
                resp.disconnect();
            }
        } catch (HttpResponseException e) {
            throw new CloudException(method + " " + url + ": HTTP " + e.getStatusCode() + " " + message(e.getContent()), e);
        } catch (IOException e) {
            throw new CloudException(method + " " + url + ": " + e, e);
        }
    }

    /** The {@code error.message} of a Google API error body, else the body. */
    private static String message(String content) {
        try {
            return JsonParser.parseString(content).getAsJsonObject().getAsJsonObject("error").get("message").getAsString();
        } catch (RuntimeException e) {
            return content == null ? "" : content;
        }
    }

    private static JsonArray array(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonArray() ? o.getAsJsonArray(key) : new JsonArray();
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : "";
    }

    private static String last(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static String zoneOf(String instanceUrl) {
        int z = instanceUrl.indexOf("/zones/");
        if (z < 0) {
            return "";
        }
        String rest = instanceUrl.substring(z + "/zones/".length());
        return rest.substring(0, rest.indexOf('/'));
    }
}
