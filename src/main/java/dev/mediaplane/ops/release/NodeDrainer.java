package dev.mediaplane.ops.release;

import java.time.Duration;

/**
 * Drains one node before the rollout replaces it: readiness fails first, new calls are refused
 * ({@code fsctl pause inbound}), active calls get up to {@code timeout} to end. The nodes half of
 * day-2 operations implements it over ESL; until it is wired in, {@link #NONE} refuses to pretend.
 */
public interface NodeDrainer {

    /**
     * Drains {@code node} (an instance name) and returns when no call is active on it or the bound
     * passed; returns how many calls were still up when it returned (0: drained clean). Throws when
     * the node could not be drained at all (unreachable, ESL refused): the rollout stops there.
     */
    int drain(String node, Duration timeout) throws Exception;

    /** No drainer wired in: every drain fails, so a rollout never replaces an undrained node silently. */
    NodeDrainer NONE = (node, timeout) -> {
        throw new IllegalStateException("no node drainer is wired into this build (mediaplane drain comes with the"
                + " nodes half of day-2 operations); pass --no-drain to replace nodes without draining them");
    };
}
