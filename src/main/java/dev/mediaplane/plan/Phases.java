package dev.mediaplane.plan;

/**
 * Start-up phase marks for profiling a plan: with {@code MEDIAPLANE_PHASES=1} each mark prints its
 * name and the milliseconds since the process started on stderr (under the wrapper, which execs the
 * JVM, that includes the wrapper's own start; the kernel's start time has 10 ms steps); otherwise a
 * mark costs one branch.
 */
public final class Phases {

    private static final boolean ON = "1".equals(System.getenv("MEDIAPLANE_PHASES"));
    private static final long START = ON ? ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis()) : 0;

    private Phases() {}

    /** Prints {@code phase <name> <ms since process start> [thread]} when enabled. */
    public static void mark(String name) {
        if (ON) {
            System.err.printf("phase %-24s %5d ms  [%s]%n", name, System.currentTimeMillis() - START,
                    Thread.currentThread().getName());
        }
    }
}
