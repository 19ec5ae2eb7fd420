package dev.mediaplane.agent;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.mediaplane.render.NodeContract;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The agent's structured log: one JSON object per line on stdout, which journald keeps and the Ops
 * Agent ships as {@code jsonPayload} (the log-based metrics filter on {@code jsonPayload.event}).
 * Events the contract names ({@link NodeContract.Events}) must carry their declared fields; the
 * field names and the event names are the contract's, never spelt here.
 *
 * <p>Never log a secret: callers pass ids, paths, counts and error messages only.
 */
public final class JsonLog {
    private final PrintStream out;
    private final Clock clock;
    private final Map<String, String> common;

    /**
     * @param out where lines go (System.out on the node: the unit's journal)
     * @param clock timestamps ({@code time}, RFC 3339 UTC)
     * @param common fields every line carries (node, release), in order
     */
    public JsonLog(PrintStream out, Clock clock, Map<String, String> common) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.common = Map.copyOf(new LinkedHashMap<>(common));
    }

    /** A contract event at severity info; see {@link #event(NodeContract.Event, String, Map)}. */
    public void event(NodeContract.Event event, Map<String, ?> fields) {
        event(event, "info", fields);
    }

    /**
     * A contract event: checks the fields it declares are all present, with numbers where it says number.
     *
     * @param severity Cloud Logging's severity name: info, warning, error
     */
    public void event(NodeContract.Event event, String severity, Map<String, ?> fields) {
        for (NodeContract.Field f : event.fields()) {
            Object v = fields.get(f.name());
            if (v == null) {
                throw new IllegalArgumentException("event " + event.name() + " needs field " + f.name());
            }
            if (f.type() == NodeContract.Type.NUMBER && !(v instanceof Number)) {
                throw new IllegalArgumentException("event " + event.name() + ": field " + f.name()
                        + " is a number, got " + v.getClass().getSimpleName());
            }
        }
        line(severity, event.name(), fields);
    }

    /** An event outside the contract (agent life cycle, rejections): same shape, no metric reads it. */
    public void info(String event, Map<String, ?> fields) {
        line("info", event, fields);
    }

    public void warn(String event, Map<String, ?> fields) {
        line("warning", event, fields);
    }

    public void error(String event, Map<String, ?> fields) {
        line("error", event, fields);
    }

    private void line(String severity, String event, Map<String, ?> fields) {
        JsonObject o = new JsonObject();
        o.addProperty("severity", severity);
        o.addProperty("event", event);
        o.addProperty("time", clock.instant().toString());
        common.forEach(o::addProperty);
        fields.forEach((k, v) -> o.add(k, v instanceof Number n ? new JsonPrimitive(n)
                : v instanceof Boolean b ? new JsonPrimitive(b) : new JsonPrimitive(String.valueOf(v))));
        String s = o.toString();
        synchronized (out) {
            out.println(s);
            out.flush();
        }
    }
}
