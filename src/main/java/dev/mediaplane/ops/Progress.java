package dev.mediaplane.ops;

import java.io.PrintWriter;

/**
 * Progress of anything that waits (drain, rollout, canary status, rotate, smoke), on stderr so stdout
 * stays the result (and --json stays one document). On a terminal one line is rewritten in place;
 * otherwise each change is a line of its own, and an unchanged state is repeated at most every
 * {@code plainEvery} updates, so CI logs show that the wait is alive without a line per poll.
 */
public final class Progress {

    private final PrintWriter err;
    private final boolean tty;
    private final int plainEvery;
    private String last;
    private int unchanged;
    private int width;

    /** Every update a line of its own when not on a terminal. */
    public Progress(PrintWriter err, boolean tty) {
        this(err, tty, 1);
    }

    public Progress(PrintWriter err, boolean tty, int plainEvery) {
        this.err = err;
        this.tty = tty;
        this.plainEvery = Math.max(1, plainEvery);
    }

    /** A terminal when the JVM has a console (stdin and stdout both attached to one). */
    public static boolean terminal() {
        return System.console() != null;
    }

    /** Shows {@code line} as the current state. */
    public void update(String line) {
        if (tty) {
            String pad = line.length() < width ? " ".repeat(width - line.length()) : "";
            err.print("\r" + line + pad);
            width = line.length();
            err.flush();
            return;
        }
        if (line.equals(last) && ++unchanged % plainEvery != 0) {
            return;
        }
        if (!line.equals(last)) {
            unchanged = 0;
        }
        last = line;
        err.println(line);
        err.flush();
    }

    /** Ends the progress display (a terminal gets its newline). */
    public void done() {
        if (tty && width > 0) {
            err.println();
            err.flush();
        }
        width = 0;
    }

    /** A one-off line (a step, not a state). */
    public void step(String line) {
        done();
        err.println(line);
        err.flush();
    }
}
