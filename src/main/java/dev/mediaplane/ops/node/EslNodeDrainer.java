package dev.mediaplane.ops.node;

import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.release.NodeDrainer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The rollout's drainer over ESL: {@link Drain}, as {@code mediaplane drain} runs it, for a node of
 * an inventory named by instance name ({@code rollout --inventory}).
 */
public final class EslNodeDrainer implements NodeDrainer {

    private final List<NodeTarget> nodes;
    private final int eslPort;
    private final EslLogin login;
    private final Function<String, Drain.Listener> listeners;

    /**
     * @param nodes the stack's nodes (e.g. {@link NodeTarget#inventory}); names are instance names
     * @param eslPort the stack's controller.eslPort
     * @param login an ESL login allowed fsctl and show
     * @param listeners progress of the drain of a node (by name), e.g. {@link Drain.Listener#reporting}
     */
    public EslNodeDrainer(List<NodeTarget> nodes, int eslPort, EslLogin login, Function<String, Drain.Listener> listeners) {
        this.nodes = List.copyOf(nodes);
        this.eslPort = eslPort;
        this.login = login;
        this.listeners = listeners;
    }

    /**
     * Drains {@code node} and returns the channels still up at the end (0: drained). Throws when
     * the node is unknown, refused the login or permission, or stopped answering (Outcome LOST):
     * the rollout must stop there rather than replace a node in an unknown state.
     */
    @Override
    public int drain(String node, Duration timeout) throws IOException, InterruptedException {
        NodeTarget n = nodes.stream().filter(t -> t.name().equals(node)).findFirst()
                .orElseThrow(() -> new IOException("node " + node + " is not in the inventory (nodes: "
                        + nodes.stream().map(NodeTarget::name).toList() + ")"));
        Drain d = new Drain(login.credentials(n.internal(), eslPort),
                new Drain.Settings(timeout, Duration.ofSeconds(1), EslConnection.Settings.defaults()), System::nanoTime,
                x -> Thread.sleep(x.toMillis()));
        Drain.Result r;
        try {
            r = d.run(listeners.apply(node));
        } catch (EslException e) {
            throw new IOException("drain " + node + ": " + e.getMessage(), e);
        }
        if (r.outcome() == Drain.Outcome.LOST) {
            throw new IOException("drain " + node + ": " + r.detail());
        }
        return r.channelsAtEnd();
    }
}
