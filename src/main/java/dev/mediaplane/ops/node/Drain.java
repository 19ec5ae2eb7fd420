package dev.mediaplane.ops.node;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.Progress;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Drains one node over its ESL with the semantics of the node's own drain
 * (startup-scripts/shutdown.sh.ftl, docs/freeswitch-control.md "Health and drain"): new calls are
 * refused first, then active channels are counted down once per {@code interval} until none is
 * left or {@code timeout} passes. Calls are never hung up.
 *
 * <p>Remotely there is no draining marker to write (that is a file on the node): readiness fails
 * through the pause itself. {@code fsctl pause inbound} sets FreeSWITCH's no-new-inbound flag;
 * the drain then reads it back with {@code fsctl pause_check inbound}, the call the node agent
 * polls for /ready (Telemetry.poll and readiness(): "inbound calls paused"), so the load balancer
 * sees /ready fail within one agent poll (5 s) plus its health-check interval, as with the script.
 *
 * <p>A connection lost mid-drain is re-opened until the deadline; the pause is FreeSWITCH's
 * process state, so after a reconnect it is checked again: a node that lost it (FreeSWITCH
 * restarted) is reported, never assumed drained.
 */
public final class Drain {

    /** How a drain ended. */
    public enum Outcome {
        /** No channel left. */
        DRAINED,
        /** Channels were still up when the timeout passed; inbound stays paused. */
        TIMED_OUT,
        /** The node stopped answering (or lost the pause) and the result is unknown. */
        LOST
    }

    /** Told each count; drives the progress line. */
    @FunctionalInterface
    public interface Listener {
        void counted(int channels, int calls, Duration elapsed, Duration timeout);

        default void step(String line) {}

        /** The counts of {@code node}'s drain as one progress state, its steps as lines (drain and rollout show the same). */
        static Listener reporting(String node, Progress progress) {
            return new Listener() {
                @Override
                public void counted(int channels, int calls, Duration elapsed, Duration timeout) {
                    progress.update(String.format("drain %s: %d channel%s (%d call%s) up, %s of %s", node, channels,
                            channels == 1 ? "" : "s", calls, calls == 1 ? "" : "s", elapsed.toSeconds() + "s",
                            Durations.format(timeout)));
                }

                @Override
                public void step(String line) {
                    progress.step("drain " + node + ": " + line);
                }
            };
        }
    }

    /** Waits between polls; tests may substitute. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * @param outcome how it ended
     * @param channelsAtStart channels when inbound was paused
     * @param channelsAtEnd channels at the last count (-1 when none could be read)
     * @param elapsed time from the pause to the end
     * @param reconnects connections re-opened after a loss
     * @param detail why it ended, for the LOST outcome and the log
     */
    public record Result(Outcome outcome, int channelsAtStart, int channelsAtEnd, Duration elapsed, int reconnects,
                         String detail) {}

    /**
     * @param timeout how long active calls get; the stack's fleet.drainTimeoutSec by default
     * @param interval time between counts; 1 s by default, as the drain script
     */
    public record Settings(Duration timeout, Duration interval, EslConnection.Settings connection) {}

    private final EslCredentials credentials;
    private final Settings settings;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    public Drain(EslCredentials credentials, Settings settings, LongSupplier nanoTime, Sleeper sleeper) {
        this.credentials = credentials;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** The ESL calls {@link #run} makes, in order, for --dry-run and the docs. */
    public static List<String> calls(Duration timeout, Duration interval) {
        return List.of("show channels count (the count at the start)", "fsctl pause inbound",
                "fsctl pause_check inbound (must answer true: /ready now fails)",
                "show channels count + show calls count, every " + Durations.format(interval) + " until 0 channels or "
                        + Durations.format(timeout) + " passed");
    }

    /**
     * Pauses inbound calls and waits. Failures before the pause took effect (login refused,
     * permission denied, no answer) are thrown: nothing changed on the node.
     */
    public Result run(Listener listener) throws EslException, InterruptedException {
        NodeControl node = NodeControl.open(credentials, settings.connection());
        try {
            int start = node.activeChannels();
            node.pauseInbound();
            if (!node.pausedInbound()) {
                throw new EslException(EslException.Kind.COMMAND_FAILED, "fsctl pause inbound on " + node.where()
                        + " answered +OK but pause_check inbound still says false; readiness would not fail");
            }
            listener.step("inbound calls paused on " + node.where() + " (fsctl pause_check inbound: true; /ready fails"
                    + " at the node agent's next poll); " + start + " channel" + (start == 1 ? "" : "s") + " up");
            long t0 = nanoTime.getAsLong();
            long deadline = t0 + settings.timeout().toNanos();
            int reconnects = 0;
            int last = start;
            while (true) {
                Duration elapsed = Duration.ofNanos(nanoTime.getAsLong() - t0);
                int channels;
                int calls;
                try {
                    if (node == null) {
                        node = NodeControl.open(credentials, settings.connection());
                        reconnects++;
                        if (!node.pausedInbound()) {
                            return new Result(Outcome.LOST, start, -1, elapsed, reconnects,
                                    "after reconnecting, inbound calls are no longer paused (FreeSWITCH restarted?);"
                                            + " its calls are gone and it takes new ones");
                        }
                        listener.step("reconnected to " + node.where() + "; inbound still paused");
                    }
                    channels = node.activeChannels();
                    calls = node.activeCalls();
                } catch (EslException e) {
                    if (node != null) {
                        node.close();
                        node = null;
                        listener.step("lost ESL to " + credentials.host() + ":" + credentials.port() + " (" + e.getMessage()
                                + "); reconnecting until the deadline");
                    }
                    if (nanoTime.getAsLong() >= deadline) {
                        return new Result(Outcome.LOST, start, -1, elapsed, reconnects,
                                "no answer from " + credentials.host() + ":" + credentials.port() + " until the timeout: "
                                        + e.getMessage());
                    }
                    sleeper.sleep(settings.interval());
                    continue;
                }
                last = channels;
                // One reading after the count: the elapsed time reported is the one the deadline was judged on
                // (a reading from before the count made a timed-out drain report less than its timeout).
                long now = nanoTime.getAsLong();
                elapsed = Duration.ofNanos(now - t0);
                listener.counted(channels, calls, elapsed, settings.timeout());
                if (channels == 0) {
                    return new Result(Outcome.DRAINED, start, 0, elapsed, reconnects, "no channel left");
                }
                if (now >= deadline) {
                    return new Result(Outcome.TIMED_OUT, start, last, elapsed, reconnects,
                            channels + " channel" + (channels == 1 ? "" : "s") + " still up after "
                                    + Durations.format(settings.timeout()) + "; inbound stays paused");
                }
                sleeper.sleep(settings.interval());
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    /** {@code fsctl resume inbound}, then checks pause_check reads false. */
    public static void undrain(EslCredentials credentials, EslConnection.Settings connection) throws EslException {
        try (NodeControl node = NodeControl.open(credentials, connection)) {
            node.resumeInbound();
            if (node.pausedInbound()) {
                throw new EslException(EslException.Kind.COMMAND_FAILED, "fsctl resume inbound on " + node.where()
                        + " answered +OK but pause_check inbound still says true");
            }
        }
    }
}
