package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.Drain;
import dev.mediaplane.ops.node.EslNodeDrainer;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.ops.release.Rollout;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane rollout}: replace the fleet's nodes one at a time, each drained first. */
@Command(name = "rollout", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Replaces the nodes of the stack's instance group one at a time: drains a node (new calls refused, active"
                    + " calls given up to --drain-timeout), recreates it through the group (same name, same preserved"
                    + " address, the group's current template), waits until it is RUNNING and its liveness check HEALTHY,"
                    + " then takes the next. This is how a template change reaches a static (OPPORTUNISTIC) fleet"
                    + " without taking capacity down. By default only nodes not on one of the group's version templates"
                    + " are replaced; --all replaces every node.",
            "Stops at the first node that fails to drain or to become ready. Refuses to start while another node is"
                    + " not ready. Progress is kept in a state file (default .mediaplane/rollout-<stack>.json under the"
                    + " project): rerun after an interruption and it resumes, never draining or recreating a node twice.",
            "Each drain is mediaplane drain's, over the node's ESL: --inventory FILE (the output of: gcloud compute instances"
                    + " list --filter='labels.stack=STACK AND labels.component=fleet' --format=json) gives the nodes'"
                    + " internal addresses, --esl-user with --esl-password-file or --esl-secret the login (default"
                    + " operator@mediaplane with Secret Manager <prefix>-esl-operator-password: allowed 'fsctl' and 'show'). ESL is reached only from inside the VPC (controller.cidrs): run it there. Without"
                    + " --inventory no node is drained and the rollout stops before the first recreate; --no-drain replaces"
                    + " nodes without draining (calls on them are cut). Compute calls use application default credentials.",
            "",
            "Examples:",
            "  mediaplane rollout --stack dev --dry-run",
            "  mediaplane rollout --stack prod --inventory nodes.json --drain-timeout 300s --ready-timeout 15m",
            "  mediaplane rollout --stack dev --inventory nodes.json --esl-password-file ~/.mediaplane/esl-operator",
            "  mediaplane rollout --stack dev --all --json"
        })
public final class RolloutCommand implements Callable<Integer> {

    /** The outside world of the release commands; tests replace it before execute. */
    ReleaseContext context = ReleaseContext.system();

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Mixin
    FleetOptions nodes;

    /** Test seam: the Secret Manager clients the ESL login reads its password with. */
    SecretManagerClients clients = SecretManagerClients.applicationDefault();

    @Option(names = "--all", description = "Replace every node, not only those on a template the group no longer uses.")
    boolean all;

    @Option(names = "--no-drain", description = "Do not drain nodes first: active calls on each node are cut.")
    boolean noDrain;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "120s",
            description = "Bound on each drain (default: ${DEFAULT-VALUE}).")
    String drainTimeout;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", defaultValue = "15m",
            description = "How long a replacement may take to become ready (default: ${DEFAULT-VALUE}).")
    String readyTimeout;

    @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "10s",
            description = "Time between readiness polls (default: ${DEFAULT-VALUE}).")
    String poll;

    @Option(names = "--state-file", paramLabel = "FILE", description = "Where progress is kept (default: .mediaplane/rollout-<stack>.json).")
    Path stateFile;

    @Option(names = "--dry-run", description = "Print the drains, recreates and waits it would do; change nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    private Duration duration(String option, String v, Duration min, Duration max) {
        return DrainCommand.duration(spec.commandLine(), option, v, min, max);
    }

    /** The context with the ESL drainer over --inventory; without --inventory the context's own (NONE: no drain). */
    private ReleaseContext withDrainer(ReleaseState s, Progress progress) {
        CommandLine cmd = spec.commandLine();
        List<String> login = Stream.of("--esl-user", "--esl-password-file", "--esl-secret")
                .filter(o -> cmd.getParseResult().hasMatchedOption(o)).toList();
        if (nodes.inventory == null) {
            if (!login.isEmpty()) {
                throw new ParameterException(cmd, String.join(", ", login) + " log in to the nodes of --inventory FILE;"
                        + " give --inventory (from: " + NodeTarget.inventoryCommand(s.stack()) + ")");
            }
            return context;
        }
        if (noDrain) {
            throw new ParameterException(cmd, "--inventory is for draining and --no-drain drains nothing; give one of them");
        }
        List<NodeTarget> inventory;
        try {
            inventory = nodes.inventoryNodes(cmd, s.stack());
        } catch (IOException e) {
            throw new ParameterException(cmd, "--inventory: " + e.getMessage());
        }
        StackConfig c = s.config();
        return context.withDrainer(new EslNodeDrainer(inventory, c.controller().eslPort(), nodes.login(c, clients),
                node -> Drain.Listener.reporting(node, progress)));
    }

    @Override
    public Integer call() throws Exception {
        Duration drain = duration("--drain-timeout", drainTimeout, Duration.ofSeconds(1), Duration.ofHours(6));
        Duration ready = duration("--ready-timeout", readyTimeout, Duration.ofSeconds(1), Duration.ofHours(6));
        Duration every = duration("--poll", poll, Duration.ofSeconds(1), Duration.ofMinutes(10));
        int polls = (int) Math.max(1, ready.toSeconds() / Math.max(1, every.toSeconds()));
        return ReleaseSupport.guarded(spec, () -> {
            Path dir = ReleaseSupport.projectDir(spec);
            ReleaseState s = ReleaseState.read(dir, stack.stackName());
            Path file = stateFile != null ? stateFile : Rollout.defaultStateFile(dir, s.stack());
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter log = output.json ? spec.commandLine().getErr() : out;
            Progress progress = new Progress(spec.commandLine().getErr(), context.tty());
            Rollout.Report r = Rollout.run(withDrainer(s, progress), s, new Rollout.Options(all, !noDrain, drain, every, polls), file, dryRun,
                    progress, line -> {
                        log.println(line);
                        log.flush();
                    });
            if (output.json) {
                JsonObject o = new JsonObject();
                o.addProperty("stack", s.stack());
                o.addProperty("group", r.group());
                o.addProperty("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                o.addProperty("resumed", r.resumed());
                JsonArray plan = new JsonArray();
                r.plan().forEach(plan::add);
                o.add(dryRun ? "calls" : "plan", plan);
                JsonArray done = new JsonArray();
                r.replaced().forEach(done::add);
                o.add("replaced", done);
                o.addProperty("failedNode", r.failedNode().orElse(null));
                o.addProperty("stateFile", file.toString());
                o.addProperty("message", r.message());
                out.print(ReleaseSupport.json(o));
            } else {
                if (dryRun) {
                    out.println("rollout of " + r.group() + " would:");
                    r.plan().forEach(c -> out.println("  " + c));
                }
                (r.outcome() == Rollout.Outcome.DRAIN_FAILED || r.outcome() == Rollout.Outcome.NODE_NOT_READY
                        ? spec.commandLine().getErr() : out).println(r.message());
            }
            out.flush();
            spec.commandLine().getErr().flush();
            return switch (r.outcome()) {
                case DONE, NOTHING_TO_DO, DRY_RUN -> ExitCode.OK.code();
                case DRAIN_FAILED, NODE_NOT_READY -> ExitCode.NODE_NOT_READY.code();
            };
        });
    }
}
