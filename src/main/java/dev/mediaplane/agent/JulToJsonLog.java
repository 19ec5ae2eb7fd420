package dev.mediaplane.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging (the ESL client's reconnect and drop warnings, Google's client libraries) as the agent's JSON
 * log lines: event {@value #EVENT} with {@code logger}, {@code message} and, when a throwable came with the record,
 * {@code error}; SEVERE is error, WARNING warning, the rest info. Installed on the root logger in place of the
 * JDK's ConsoleHandler, whose plain two-line records on stderr the Ops Agent would ship as unparsed text.
 *
 * <p>Callers log no secret; as a second line of defence every value in {@code redact} (the ESL password the agent
 * read) is replaced by {@code [redacted]} in the message and the error before the line is written.
 */
public final class JulToJsonLog extends Handler {
    /** The event name of a forwarded record. */
    public static final String EVENT = "java_log";

    private final JsonLog log;
    private final List<String> redact;
    private final java.util.List<Handler> replaced = new java.util.ArrayList<>();
    private Level replacedLevel;

    JulToJsonLog(JsonLog log, List<String> redact) {
        this.log = log;
        this.redact = redact.stream().filter(s -> s != null && s.length() >= 4).toList();
        setLevel(Level.INFO);
    }

    /**
     * Replaces the root logger's handlers with one onto {@code log}, at INFO.
     *
     * @return the handler (tests uninstall it with {@link #uninstall})
     */
    public static JulToJsonLog install(JsonLog log, List<String> redact) {
        Logger root = LogManager.getLogManager().getLogger("");
        JulToJsonLog h = new JulToJsonLog(log, redact);
        h.replacedLevel = root.getLevel();
        for (Handler old : root.getHandlers()) {
            root.removeHandler(old);
            h.replaced.add(old);
        }
        root.addHandler(h);
        root.setLevel(Level.INFO);
        return h;
    }

    /** Removes this handler from the root logger and puts back what it replaced. */
    public void uninstall() {
        Logger root = LogManager.getLogManager().getLogger("");
        root.removeHandler(this);
        for (Handler old : replaced) {
            if (!old.getClass().equals(JulToJsonLog.class)) { // a nested install's: gone with its service
                root.addHandler(old);
            }
        }
        root.setLevel(replacedLevel);
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || !isLoggable(r)) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("logger", String.valueOf(r.getLoggerName()));
        f.put("message", clean(format(r)));
        if (r.getThrown() != null) {
            f.put("error", clean(r.getThrown().toString()));
        }
        int level = r.getLevel().intValue();
        if (level >= Level.SEVERE.intValue()) {
            log.error(EVENT, f);
        } else if (level >= Level.WARNING.intValue()) {
            log.warn(EVENT, f);
        } else {
            log.info(EVENT, f);
        }
    }

    private static String format(LogRecord r) {
        String m = r.getMessage();
        Object[] p = r.getParameters();
        if (m == null) {
            return "";
        }
        if (p == null || p.length == 0) {
            return m;
        }
        try {
            return java.text.MessageFormat.format(m, p);
        } catch (IllegalArgumentException e) {
            return m;
        }
    }

    private String clean(String s) {
        for (String secret : redact) {
            s = s.replace(secret, "[redacted]");
        }
        return s;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
