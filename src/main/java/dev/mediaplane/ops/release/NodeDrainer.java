package dev.mediaplane.ops.release;

import java.time.Duration;

/**
 * Drains one node before the rollout replaces it: readiness fails first, new calls are refused
 * ({@code fsctl pause inbound}), active calls get up to {@code timeout} to end. Over ESL it is
 * {@code ops.node.EslNodeDrainer} (rollout --inventory); without one, {@link #NONE} refuses to pretend.
 */
public interface NodeDrainer {

    /**
     * Drains {@code node} (an instance name) and returns when no call is active on it or the bound
     * passed; returns how many calls were still up when it returned (0: drained clean). Throws when
     * the node could not be drained at all (unreachable, ESL refused): the rollout stops there.
     */
    int drain(String node, Duration timeout) throws Exception;

    /** No drainer given: every drain fails, so a rollout never replaces an undrained node silently. */
    NodeDrainer NONE = (node, timeout) -> {
        throw new IllegalStateException("no node drainer: give --inventory FILE (gcloud compute instances list"
                + " --filter='labels.component=fleet' --format=json) and the ESL login (--esl-user, and --esl-password-file or"
                + " --esl-secret) to drain each node over ESL from inside the VPC, or pass --no-drain to replace nodes"
                + " without draining them (their calls are cut)");
    };
}
