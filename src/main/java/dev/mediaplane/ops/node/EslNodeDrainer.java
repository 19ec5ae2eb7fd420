package dev.mediaplane.ops.node;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The rollout's drainer over ESL: {@link Drain} for a node named by instance name. Its
 * {@link #drain} has the signature of {@code dev.mediaplane.ops.release.NodeDrainer} (branch
 * day2-releases), so once both are on one branch this class implements it unchanged.
 */
public final class EslNodeDrainer {

    private final List<NodeTarget> nodes;
    private final int eslPort;
    private final EslLogin login;
    private final Drain.Listener listener;

    /**
     * @param nodes the stack's nodes (e.g. {@link NodeTarget#inventory}); names are instance names
     * @param eslPort the stack's controller.eslPort
     * @param login an ESL login allowed fsctl and show
     * @param listener progress of each drain
     */
    public EslNodeDrainer(List<NodeTarget> nodes, int eslPort, EslLogin login, Drain.Listener listener) {
        this.nodes = List.copyOf(nodes);
        this.eslPort = eslPort;
        this.login = login;
        this.listener = listener;
    }

    /**
     * Drains {@code node} and returns the channels still up at the end (0: drained). Throws when
     * the node is unknown, refused the login or permission, or stopped answering (Outcome LOST):
     * the rollout must stop there rather than replace a node in an unknown state.
     */
    public int drain(String node, Duration timeout) throws IOException, InterruptedException {
        NodeTarget n = nodes.stream().filter(t -> t.name().equals(node)).findFirst()
                .orElseThrow(() -> new IOException("node " + node + " is not in the inventory (nodes: "
                        + nodes.stream().map(NodeTarget::name).toList() + ")"));
        Drain d = new Drain(login.credentials(n.internal(), eslPort),
                new Drain.Settings(timeout, Duration.ofSeconds(1), EslConnection.Settings.defaults()), System::nanoTime,
                x -> Thread.sleep(x.toMillis()));
        Drain.Result r;
        try {
            r = d.run(listener);
        } catch (EslException e) {
            throw new IOException("drain " + node + ": " + e.getMessage(), e);
        }
        if (r.outcome() == Drain.Outcome.LOST) {
            throw new IOException("drain " + node + ": " + r.detail());
        }
        return r.channelsAtEnd();
    }
}
