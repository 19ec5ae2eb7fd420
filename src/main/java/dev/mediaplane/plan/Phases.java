package dev.mediaplane.plan;

/**
 * Start-up phase marks for profiling a plan: with {@code MEDIAPLANE_PHASES=1} each mark prints its
 * name and the milliseconds since the first mark ({@code main}, the CLI's entry) on stderr; what
 * comes before {@code main} (the wrapper, the JVM's own start) is the whole run's wall time minus
 * {@code exit}. Otherwise a mark costs one branch.
 */
public final class Phases {

    private static final boolean ON = "1".equals(System.getenv("MEDIAPLANE_PHASES"));
    private static final long START = System.nanoTime();

    private Phases() {}

    /** Prints {@code phase <name> <ms since main> [thread]} when enabled. */
    public static void mark(String name) {
        if (ON) {
            System.err.printf("phase %-24s %5d ms  [%s]%n", name, (System.nanoTime() - START) / 1_000_000,
                    Thread.currentThread().getName());
        }
    }
}
