package dev.mediaplane.ops.release;

import java.io.PrintWriter;

/**
 * Progress of a command that waits: on a terminal one line redrawn in place, otherwise one plain
 * line per step (logs and CI read those). Written to stderr, so stdout keeps the result (and --json one document).
 */
public final class Progress {

    private final PrintWriter err;
    private final boolean tty;
    private int width;

    public Progress(PrintWriter err, boolean tty) {
        this.err = err;
        this.tty = tty;
    }

    public void step(String line) {
        if (tty) {
            String padded = line.length() < width ? line + " ".repeat(width - line.length()) : line;
            err.print("\r" + padded);
            width = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Ends the redrawn line, so what follows starts on its own. */
    public void done() {
        if (tty && width > 0) {
            err.println();
            err.flush();
            width = 0;
        }
    }
}
