package dev.mediaplane.agent.gcp;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything a test run could leak a credential through: System.out and System.err (teed, so the build log still
 * shows them), and every java.util.logging record of the Google libraries at their most verbose (google-http-client
 * logs request headers at CONFIG), with its parameters and throwable. {@link #assertNoLeak} fails on the marker.
 */
final class LeakWatch implements AutoCloseable {
    private static final List<String> LOGGERS = List.of("com.google", "io.grpc");

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final List<String> records = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Level> levels = new ArrayList<>();
    /** Held strongly: LogManager keeps loggers weakly, and a collected logger forgets its level and handler. */
    private final List<Logger> loggers = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringBuilder sb = new StringBuilder(r.getLoggerName() + " " + r.getLevel() + " " + r.getMessage());
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    sb.append(' ').append(p);
                }
            }
            if (r.getThrown() != null) {
                sb.append(' ').append(describe(r.getThrown()));
            }
            records.add(sb.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    LeakWatch() {
        System.setOut(new PrintStream(tee(out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err), true, StandardCharsets.UTF_8));
        handler.setLevel(Level.ALL);
        for (String name : LOGGERS) {
            Logger l = Logger.getLogger(name);
            loggers.add(l);
            levels.add(l.getLevel());
            l.setLevel(Level.ALL);
            l.addHandler(handler);
        }
    }

    private OutputStream tee(PrintStream original) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        };
    }

    /** How many log records the Google libraries wrote (a watch that saw nothing proves nothing). */
    int records() { return records.size(); }

    String everything() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8) + "\n" + String.join("\n", records);
        }
    }

    void assertNoLeak(String marker) {
        String all = everything();
        if (all.contains(marker)) {
            int at = all.indexOf(marker);
            throw new AssertionError("the planted token leaked into output or logs near: "
                    + all.substring(Math.max(0, at - 200), at).replace(marker, "<MARKER>") + "<MARKER>");
        }
    }

    /** The message, class and causes of an exception, as a log line or a report would show them. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
            for (Throwable s : c.getSuppressed()) {
                sb.append("suppressed: ").append(s).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        System.setOut(out);
        System.setErr(err);
        for (int i = 0; i < loggers.size(); i++) {
            Logger l = loggers.get(i);
            l.removeHandler(handler);
            l.setLevel(levels.get(i));
        }
    }
}
