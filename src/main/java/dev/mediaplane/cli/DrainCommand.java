package dev.mediaplane.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.Drain;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeControl;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane drain}: stops new calls on one node and waits, bounded, for its active calls to end. */
@Command(name = "drain", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Drain one node over ESL: refuse new calls, wait (bounded) for active ones.",
        description = {
            "Drains one node over its event socket (ESL), as the node's own drain script does:"
                    + " 'fsctl pause inbound' (FreeSWITCH refuses new inbound calls), 'fsctl pause_check inbound' must then"
                    + " answer true (the call the node agent's /ready polls, so readiness fails within one agent poll),"
                    + " then 'show channels count' is counted down every --interval until 0 or --timeout passes."
                    + " Active calls are never hung up; on a timeout inbound stays paused (undrain resumes it).",
            "Where it runs: ESL listens only on the node's internal address, and the firewall admits only"
                    + " controller.cidrs to controller.eslPort: run it from a host in those ranges inside the VPC.",
            "The node: --address HOST[:PORT] (PORT defaults to the stack's controller.eslPort), or --node NAME from"
                    + " --inventory FILE, the output of: gcloud compute instances list"
                    + " --filter='labels.stack=STACK AND labels.component=fleet' --format=json",
            "Login: userauth --esl-user (default operator@mediaplane, the user allowed 'fsctl' and 'show'); the password"
                    + " from --esl-password-file (mode 600) or Secret Manager <prefix>-<--esl-secret> (default"
                    + " esl-operator-password) in the stack's project (application default credentials); never from the"
                    + " command line, never printed. Until the stack sets mediaplane:eslOperatorPassword each node has a"
                    + " random operator password nobody knows (see docs/operations.md, ESL login).",
            "Refuses to drain the stack's only node without --allow-last-node.",
            "",
            "Examples:",
            "  mediaplane drain --stack prod --node mp-prod-node-2 --inventory nodes.json --timeout 10m",
            "  mediaplane drain --stack dev --address 10.42.0.7 --esl-password-file ~/.mediaplane/esl --allow-last-node",
            "  mediaplane drain --stack prod --address 10.42.0.7 --dry-run --json"
        })
public final class DrainCommand implements Callable<Integer> {

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

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "How long active calls get (1s..24h; default: the stack's fleet.drainTimeoutSec).")
    String timeout;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Time between counts (100ms..1m; default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--allow-last-node", description = "Drain even when the stack has a single node (all capacity goes).")
    boolean allowLastNode;

    @Option(names = "--dry-run", description = "Print the node, the login and the ESL calls; connect to nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** Test seams: Secret Manager clients and whether stderr is a terminal. */
    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    Boolean tty;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        Duration t = duration(cmd, "--timeout", timeout == null ? c.fleet().drainTimeoutSec() + "s" : timeout,
                Duration.ofSeconds(1), Duration.ofHours(24));
        Duration every = duration(cmd, "--interval", interval, Duration.ofMillis(100), Duration.ofMinutes(1));
        NodeOptions.Resolved r = nodeOptions.one(cmd, c, node);
        EslLogin login = nodeOptions.login(c, clients);
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        JsonObject json = new JsonObject();
        json.addProperty("command", "drain");
        json.addProperty("stack", c.stack());
        json.addProperty("node", r.node().name());
        json.addProperty("esl", r.node().internal() + ":" + r.eslPort());
        json.addProperty("login", login.describe());
        json.addProperty("timeoutSec", t.toSeconds());

        if (c.fleet().autoscaling().isEmpty() && c.fleet().size() == 1 && !allowLastNode) {
            return refuse(json, "stack " + c.stack() + " has a single node (fleet.size 1): draining " + r.node().name()
                    + " refuses every new call of the stack; add --allow-last-node to do it anyway");
        }
        if (dryRun) {
            json.addProperty("dryRun", true);
            com.google.gson.JsonArray calls = new com.google.gson.JsonArray();
            Drain.calls(t, every).forEach(calls::add);
            json.add("calls", calls);
            if (output.json) {
                out.println(gson(json));
            } else {
                out.printf("drain %s (ESL %s:%d, %s), would call:%n", r.node().name(), r.node().internal(), r.eslPort(),
                        login.describe());
                Drain.calls(t, every).forEach(s -> out.println("  " + s));
                out.println("nothing was changed (--dry-run)");
            }
            out.flush();
            return ExitCode.OK.code();
        }

        EslCredentials creds;
        try {
            creds = login.credentials(r.node().internal(), r.eslPort());
        } catch (EslLogin.LoginUnavailable e) {
            return unreachable(json, e.getMessage());
        }
        Progress progress = new Progress(err, tty != null ? tty : Progress.terminal(), 10);
        Drain drain = new Drain(creds, new Drain.Settings(t, every, EslConnection.Settings.defaults()), System::nanoTime,
                d -> Thread.sleep(d.toMillis()));
        Drain.Result result;
        try {
            result = drain.run(Drain.Listener.reporting(r.node().name(), progress));
        } catch (EslException e) {
            progress.done();
            return unreachable(json, explain(e, "fsctl", r.node().name()));
        }
        progress.done();
        json.addProperty("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("channelsAtStart", result.channelsAtStart());
        json.addProperty("channelsAtEnd", result.channelsAtEnd());
        json.addProperty("elapsedMs", result.elapsed().toMillis());
        json.addProperty("reconnects", result.reconnects());
        json.addProperty("detail", result.detail());
        if (output.json) {
            out.println(gson(json));
        } else {
            out.printf("drain %s: %s (%s; %d channel%s at start, %s)%n", r.node().name(),
                    result.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), result.detail(),
                    result.channelsAtStart(), result.channelsAtStart() == 1 ? "" : "s",
                    result.elapsed().toSeconds() + "s");
        }
        out.flush();
        return switch (result.outcome()) {
            case DRAINED -> ExitCode.OK.code();
            case TIMED_OUT -> ExitCode.FAILED.code();
            case LOST -> ExitCode.UNAVAILABLE.code();
        };
    }

    /** The login's API list refuses a command: say which and what to do, not just "-ERR permission denied". */
    static String explain(EslException e, String api, String node) {
        if (NodeControl.permissionDenied(e)) {
            return e.getMessage() + ": the ESL login may not run '" + api + "' on " + node + ". The controller user's"
                    + " esl-allowed-api (templates/freeswitch/directory/mediaplane.xml.ftlx) excludes fsctl, sofia and"
                    + " reloadxml; log in as operator@mediaplane, which may (--esl-user, --esl-secret; see docs/operations.md)";
        }
        if (e.kind() == EslException.Kind.AUTH_REJECTED) {
            return e.getMessage() + " on " + node + ": " + EslLogin.refusedHint();
        }
        return e.getMessage();
    }

    private int refuse(JsonObject json, String why) {
        return fail(json, "refused", why, ExitCode.REFUSED);
    }

    private int unreachable(JsonObject json, String why) {
        return fail(json, "unreachable", why, ExitCode.UNAVAILABLE);
    }

    private int fail(JsonObject json, String outcome, String why, ExitCode code) {
        json.addProperty("outcome", outcome);
        json.addProperty("detail", why);
        if (output.json) {
            spec.commandLine().getOut().println(gson(json));
            spec.commandLine().getOut().flush();
        }
        spec.commandLine().getErr().println("mediaplane " + spec.name() + ": " + why);
        spec.commandLine().getErr().flush();
        return code.code();
    }

    static Duration duration(CommandLine cmd, String option, String value, Duration min, Duration max) {
        try {
            return Durations.parse(option, value, min, max);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    static String gson(com.google.gson.JsonElement o) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o);
    }
}
