package dev.mediaplane.ops.secrets;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.NodeTarget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Waits until every node reports a secret version applied. The node does the work itself: its agent's secret
 * refresh (agent/secrets/SecretRefresher) reads {@code versions/latest} every {@code SECRET_REFRESH_SECONDS}, writes
 * the file and has FreeSWITCH take it without dropping a call, and reports what it applied on
 * {@code GET /secrets} of its health port (which the firewall opens to controller.cidrs, like ESL). This class only
 * reads that document: no login, no command on the node. Values never pass here.
 */
public final class NodeSecretWait {

    public enum Status { APPLIED, WAITING, FAILED, UNREACHABLE, NOT_NEEDED }

    /**
     * One node's outcome.
     *
     * @param version the version the node reports applied (0: none yet or unknown)
     * @param state the agent's state of the secret (applied, installing, waiting, failed, ...), or why it is unknown
     * @param detail the agent's detail (how it applied it, what it waits for), or the HTTP error
     */
    public record Result(String node, Status status, int version, String state, String detail) {}

    /** One node's /secrets answer for one secret; null fields when the node did not answer. */
    record Seen(int version, String state, String detail, String error, boolean refreshOff) {}

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * @param timeout how long in all the nodes get (a refresh period, the apply, a certificate's wait for idle)
     * @param interval time between polls
     * @param port the agent's health port (the stack's fleet.healthPort)
     */
    public record Settings(Duration timeout, Duration interval, int port) {}

    private final Settings settings;
    private final HttpClient http;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    public NodeSecretWait(Settings settings, LongSupplier nanoTime, Sleeper sleeper) {
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** What the node does for {@code s}, and what this waits for: --dry-run and the help. */
    public static String how(ManagedSecret s) {
        return switch (s.apply()) {
            case GATEWAY_REREGISTER -> "reloadxml, then sofia profile external killgw signalwire + rescan until State REGED";
            case DIRECTORY_RELOAD -> "reloadxml (new ESL logins use it; open sessions stay; mod_event_socket is not reloaded)";
            case TLS_PROFILE_RESTART -> "sofia profile external restart once the profile has no call (inbound paused around it)";
            case FILE_ONLY -> "the key file only (the streaming bridge reads it per stream)";
            case BOOT_ONLY -> "nothing (read at boot only, to install FreeSWITCH)";
        };
    }

    public URI uri(NodeTarget n) {
        String host = n.internal().contains(":") && !n.internal().startsWith("[") ? "[" + n.internal() + "]" : n.internal();
        return URI.create("http://" + host + ":" + settings.port() + "/secrets");
    }

    /** Each node's current view of {@code s} (preflight: the agent answers and its refresh is on). */
    public Map<NodeTarget, Result> current(List<NodeTarget> nodes, ManagedSecret s) throws InterruptedException {
        Map<NodeTarget, Result> out = new LinkedHashMap<>();
        for (NodeTarget n : nodes) {
            Seen seen = read(n, s);
            out.put(n, result(n, seen, Integer.MAX_VALUE));
        }
        return out;
    }

    /** Polls every node until each reports {@code version} (or later) applied, or the timeout; one result per node. */
    public List<Result> await(List<NodeTarget> nodes, ManagedSecret s, int version, Progress progress) throws InterruptedException {
        long deadline = nanoTime.getAsLong() + settings.timeout().toNanos();
        Map<NodeTarget, Result> last = new LinkedHashMap<>();
        while (true) {
            int done = 0;
            for (NodeTarget n : nodes) {
                Result prev = last.get(n);
                if (prev != null && prev.status() == Status.APPLIED) {
                    done++;
                    continue;
                }
                Result r = result(n, read(n, s), version);
                last.put(n, r);
                if (r.status() == Status.APPLIED) {
                    done++;
                    progress.step("secrets rotate: " + n.name() + " applied version " + r.version() + " of " + s.name() + ": " + r.detail());
                }
            }
            if (done == nodes.size()) {
                progress.done();
                return List.copyOf(last.values());
            }
            if (nanoTime.getAsLong() >= deadline) {
                progress.done();
                List<Result> out = new ArrayList<>();
                for (Result r : last.values()) {
                    out.add(r.status() == Status.APPLIED ? r : new Result(r.node(), r.status() == Status.UNREACHABLE ? Status.UNREACHABLE
                            : r.state().equals("failed") ? Status.FAILED : Status.WAITING, r.version(), r.state(),
                            r.detail() + " (after " + Durations.format(settings.timeout()) + ")"));
                }
                return out;
            }
            Result waiting = last.values().stream().filter(r -> r.status() != Status.APPLIED).findFirst().orElseThrow();
            progress.update("secrets rotate: " + done + "/" + nodes.size() + " nodes at version " + version + " of " + s.name()
                    + "; " + waiting.node() + ": " + waiting.state() + (waiting.detail().isEmpty() ? "" : " (" + waiting.detail() + ")"));
            sleeper.sleep(settings.interval());
        }
    }

    private Result result(NodeTarget n, Seen seen, int version) {
        if (seen.error() != null) {
            return new Result(n.name(), Status.UNREACHABLE, 0, "unreachable", seen.error());
        }
        if (seen.refreshOff()) {
            return new Result(n.name(), Status.FAILED, 0, "refresh off", "the node agent's secret refresh is off (node.env has"
                    + " no SECRET_PREFIX, or SECRET_REFRESH_SECONDS=0 from mediaplane:secretsRefreshSeconds 0): reboot the node on"
                    + " this release, or replace it (rollout)");
        }
        boolean applied = seen.version() >= version && seen.state().equals("applied");
        return new Result(n.name(), applied ? Status.APPLIED : seen.state().equals("failed") ? Status.FAILED : Status.WAITING,
                seen.version(), seen.state(), seen.detail());
    }

    Seen read(NodeTarget n, ManagedSecret s) throws InterruptedException {
        URI u = uri(n);
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Seen(0, null, null, "GET " + u + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()) + " (run from controller.cidrs inside the VPC)", false);
        }
        if (r.statusCode() == 404) {
            return new Seen(0, null, null, "GET " + u + ": 404: the node's agent predates the secret refresh (no /secrets)", false);
        }
        if (r.statusCode() != 200) {
            return new Seen(0, null, null, "GET " + u + ": HTTP " + r.statusCode(), false);
        }
        try {
            JsonObject doc = JsonParser.parseString(r.body()).getAsJsonObject();
            if (!"on".equals(str(doc, "refresh"))) {
                return new Seen(0, "", "", null, true);
            }
            JsonElement e = doc.getAsJsonObject("secrets").get(s.name());
            if (e == null || !e.isJsonObject()) {
                return new Seen(0, "unknown", "the node does not report " + s.name(), null, false);
            }
            JsonObject o = e.getAsJsonObject();
            return new Seen(o.get("version").getAsInt(), str(o, "state"), str(o, "detail"), null, false);
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException | ClassCastException ex) {
            return new Seen(0, null, null, "GET " + u + ": not the agent's /secrets document (" + ex.getClass().getSimpleName() + ")", false);
        }
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && o.get(k).isJsonPrimitive() ? o.get(k).getAsString() : "";
    }
}
