package dev.mediaplane.cli;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.node.NodeTarget;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Where the node is ({@code --address}, or a name of the inventory) and how to log in to its ESL. */
final class NodeOptions extends FleetOptions {
    @Option(names = "--address", paramLabel = "HOST[:PORT]",
            description = "The node's internal address (ESL port defaults to the stack's controller.eslPort).")
    String address;

    /** The one node named by --address or --node/--inventory, with the ESL port. */
    Resolved one(CommandLine cmd, StackConfig c, String node) throws IOException {
        if (address != null) {
            String[] hp = hostPort(cmd, address, c.controller().eslPort());
            return new Resolved(new NodeTarget(node != null ? node : hp[0], hp[0], java.util.Optional.empty()),
                    Integer.parseInt(hp[1]));
        }
        if (inventory == null || node == null) {
            throw new ParameterException(cmd, "give --address HOST[:PORT], or --node NAME with --inventory FILE (from: "
                    + NodeTarget.inventoryCommand(c.stack()) + ")");
        }
        List<NodeTarget> nodes = NodeTarget.inventory(inventory, c.stack());
        return new Resolved(NodeTarget.pick(nodes, node, inventory, c.stack()), c.controller().eslPort());
    }

    /**
     * The nodes a command acts on one after another: the one of --address, or every node of the stack in
     * --inventory; {@code missing} is the usage error when neither is given.
     */
    Fleet all(CommandLine cmd, StackConfig c, String missing) throws IOException {
        if (address != null) {
            Resolved r = one(cmd, c, null);
            return new Fleet(List.of(r.node()), r.eslPort());
        }
        if (inventory == null) {
            throw new ParameterException(cmd, missing);
        }
        return new Fleet(inventoryNodes(cmd, c.stack()), c.controller().eslPort());
    }

    static String[] hostPort(CommandLine cmd, String value, int defaultPort) {
        String host = value;
        String port = Integer.toString(defaultPort);
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw new ParameterException(cmd, "--address must be HOST, HOST:PORT or [IPv6]:PORT, got '" + value + "'");
            }
            host = value.substring(1, close);
            if (value.length() > close + 1) {
                port = value.startsWith(":", close + 1) ? value.substring(close + 2) : "x";
            }
        } else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
            host = value.substring(0, value.indexOf(':'));
            port = value.substring(value.indexOf(':') + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (host.isBlank() || p < 1 || p > 65535 || host.chars().anyMatch(ch -> ch <= ' ')) {
            throw new ParameterException(cmd, "--address must be HOST, HOST:PORT or [IPv6]:PORT with PORT 1..65535, got '"
                    + value + "'");
        }
        return new String[] {host, Integer.toString(p)};
    }

    record Resolved(NodeTarget node, int eslPort) {}

    /** Nodes reached on one ESL port. */
    record Fleet(List<NodeTarget> nodes, int eslPort) {}
}
