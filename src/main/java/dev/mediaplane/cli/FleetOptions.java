package dev.mediaplane.cli;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The stack's node inventory and the ESL login on its nodes: rollout's drains take these; drain, undrain,
 * smoke and synthetic take them as part of {@link NodeOptions}.
 */
class FleetOptions {
    @Option(names = "--inventory", paramLabel = "FILE",
            description = "gcloud compute instances list JSON (see above); the nodes of --stack are read from it.")
    Path inventory;

    @Option(names = "--esl-user", paramLabel = "USER@DOMAIN", defaultValue = "operator@mediaplane",
            description = "ESL directory user (default: ${DEFAULT-VALUE}).")
    String eslUser;

    @Option(names = "--esl-password-file", paramLabel = "FILE",
            description = "File holding the ESL password (owner-only mode). Without it: Secret Manager.")
    Path eslPasswordFile;

    @Option(names = "--esl-secret", paramLabel = "SUFFIX", defaultValue = "esl-operator-password",
            description = "Secret Manager secret <prefix>-SUFFIX holding the password (default: ${DEFAULT-VALUE}).")
    String eslSecret;

    /** Every node of {@code stack} in --inventory; an inventory without one is a usage error, never "no work". */
    List<NodeTarget> inventoryNodes(CommandLine cmd, String stack) throws IOException {
        List<NodeTarget> nodes = NodeTarget.inventory(inventory, stack);
        if (nodes.isEmpty()) {
            throw new ParameterException(cmd, inventory + " has no node of stack " + stack + " (instances labelled"
                    + " stack=" + stack + " and component=fleet); from: " + NodeTarget.inventoryCommand(stack));
        }
        return nodes;
    }

    EslLogin login(StackConfig c, SecretManagerClients clients) {
        return new EslLogin(eslUser, eslPasswordFile != null ? new EslLogin.PasswordFile(eslPasswordFile)
                : new EslLogin.SecretManagerSecret(c.project(), c.prefix() + "-" + eslSecret, clients));
    }
}
