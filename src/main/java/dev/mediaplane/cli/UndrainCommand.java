package dev.mediaplane.cli;

import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.node.Drain;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mediaplane undrain}: lets a drained node take new calls again. */
@Command(name = "undrain", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Let a drained node take new calls again.",
        description = {
            "Resumes inbound calls on one node over its ESL: 'fsctl resume inbound', then 'fsctl pause_check inbound'"
                    + " must answer false, so the node agent's /ready answers 200 again at its next poll.",
            "A node whose own shutdown drain ran (the /run/mediaplane/draining marker) stays unready: that drain ends"
                    + " with the VM; undrain is for drains made with 'mediaplane drain'.",
            "Where it runs, the node and the login: as for drain (see mediaplane drain --help).",
            "",
            "Examples:",
            "  mediaplane undrain --stack prod --node mp-prod-node-2 --inventory nodes.json",
            "  mediaplane undrain --stack dev --address 10.42.0.7 --esl-password-file ~/.mediaplane/esl --json"
        })
public final class UndrainCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--node", paramLabel = "NAME", description = "Instance name of the node (with --inventory; a label with --address).")
    String node;

    @Option(names = "--dry-run", description = "Print the node, the login and the ESL calls; connect to nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    SecretManagerClients clients = SecretManagerClients.applicationDefault();

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        NodeOptions.Resolved r = nodeOptions.one(cmd, c, node);
        EslLogin login = nodeOptions.login(c, clients);
        PrintWriter out = cmd.getOut();
        JsonObject json = new JsonObject();
        json.addProperty("command", "undrain");
        json.addProperty("stack", c.stack());
        json.addProperty("node", r.node().name());
        json.addProperty("esl", r.node().internal() + ":" + r.eslPort());
        json.addProperty("login", login.describe());
        String calls = "fsctl resume inbound, then fsctl pause_check inbound (must answer false)";
        if (dryRun) {
            json.addProperty("dryRun", true);
            json.addProperty("calls", calls);
            out.println(output.json ? DrainCommand.gson(json) : "undrain " + r.node().name() + " (ESL " + r.node().internal()
                    + ":" + r.eslPort() + ", " + login.describe() + "), would call: " + calls + "\nnothing was changed (--dry-run)");
            out.flush();
            return ExitCode.OK.code();
        }
        String problem = null;
        try {
            EslCredentials creds = login.credentials(r.node().internal(), r.eslPort());
            Drain.undrain(creds, EslConnection.Settings.defaults());
        } catch (EslLogin.LoginUnavailable e) {
            problem = e.getMessage();
        } catch (EslException e) {
            problem = DrainCommand.explain(e, "fsctl", r.node().name());
        }
        json.addProperty("outcome", problem == null ? "resumed" : "unreachable");
        json.addProperty("detail", problem == null ? "fsctl pause_check inbound: false; /ready recovers at the agent's next poll"
                : problem);
        if (output.json) {
            out.println(DrainCommand.gson(json));
        } else if (problem == null) {
            out.println("undrain " + r.node().name() + ": inbound calls resumed (fsctl pause_check inbound: false)");
        }
        if (problem != null) {
            cmd.getErr().println("mediaplane undrain: " + problem);
            cmd.getErr().flush();
        }
        out.flush();
        return problem == null ? ExitCode.OK.code() : ExitCode.UNAVAILABLE.code();
    }
}
