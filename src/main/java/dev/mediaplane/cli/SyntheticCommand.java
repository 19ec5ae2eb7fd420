package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.EslException;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.release.CloudException;
import dev.mediaplane.ops.release.ComputeFleet;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import dev.mediaplane.ops.smoke.RecordingCheck;
import dev.mediaplane.ops.smoke.RecordingClients;
import dev.mediaplane.ops.smoke.TestCall;
import dev.mediaplane.ops.synthetic.Synthetic;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane synthetic}: synthetic calls at a rate, with answer rate, post-dial delay, loss and recording completeness. */
@Command(name = "synthetic", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Synthetic calls at a rate: answer rate, post-dial delay, packet loss, recording completeness.",
        description = {
            "Places smoke's test call (see smoke --help: the node dials its own external profile over TLS, the public"
                    + " dialplan anchors, records and parks it) every 1/--rate for --duration, round robin over the nodes,"
                    + " with X-Organization-Id mediaplane-synthetic, each held --hold and hung up. Then checks each answered"
                    + " call's recording like smoke (object and manifest in GCS, evidence event on the events topic, seen on a"
                    + " subscription created before the first call and deleted at the end) and reports answer rate, post-dial"
                    + " delay (median, p95, max), packet loss (RTP sent by the calling leg vs received by the node's inbound"
                    + " leg) and recording completeness (complete recordings of answered calls).",
            "Exit 0 when every call was answered, every recording is complete and the loss is at most the stack's"
                    + " alerts.packetLossPercent; 1 otherwise.",
            "--canary: only the nodes of --inventory that Compute reports on the canary's instance template (the runbook's"
                    + " canary watch: pick --rate so the canary's synthetic calls stay at 1-5%% of its sessions). Refused when the"
                    + " stack runs no canary. Refused too when the synthetic sessions (two per call) would exceed --max-share of"
                    + " a node's fleet.maxSessions, or the calls per second of a node half of fleet.sessionsPerSecond.",
            "Login: --esl-user must be allowed originate, uuid_kill and events (the controller user is not: use the operator"
                    + " user, see docs/operations.md). Where it runs: inside the VPC, like drain.",
            "",
            "Examples:",
            "  mediaplane synthetic --stack prod --inventory nodes.json --canary --rate 6/min --duration 24h \\",
            "      --esl-user operator@mediaplane --esl-secret esl-operator-password",
            "  mediaplane synthetic --stack dev --address 10.42.0.7 --rate 1/s --duration 60s --hold 5s --json",
            "  mediaplane synthetic --stack prod --inventory nodes.json --canary --rate 2/min --duration 1h --dry-run"
        })
public final class SyntheticCommand implements Callable<Integer> {

    private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)/(s|min|h)");

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    NodeOptions nodeOptions;

    @Mixin
    SmokeCommand.CallTiming timing;

    @Option(names = "--rate", paramLabel = "N/s|N/min|N/h", required = true,
            description = "Calls over all nodes, e.g. 1/s, 6/min, 30/h (1/h..10/s).")
    String rate;

    @Option(names = "--duration", paramLabel = "DURATION", required = true,
            description = "How long calls are started (1s..72h).")
    String duration;

    @Option(names = "--canary", description = "Only the canary nodes (needs --inventory and Compute; refused without a canary).")
    boolean canary;

    @Option(names = "--max-share", paramLabel = "PERCENT", defaultValue = "5",
            description = "Synthetic sessions may take at most this share of a node's fleet.maxSessions (1..50; default ${DEFAULT-VALUE}).")
    int maxShare;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", description = "ESL connect and reply (100ms..1m; default ${DEFAULT-VALUE}).")
    String eslTimeout;

    @Option(names = "--dry-run", description = "Print the nodes, the schedule and every call it would make; connect to nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** Test seams. */
    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    RecordingClients recordings = RecordingClients.applicationDefault();
    ReleaseContext context = ReleaseContext.system();
    Boolean tty;

    /** Calls per second from {@code N/s}, {@code N/min} or {@code N/h}. */
    static double perSecond(CommandLine cmd, String value) {
        Matcher m = RATE.matcher(value == null ? "" : value.strip());
        if (!m.matches()) {
            throw new ParameterException(cmd, "--rate must be N/s, N/min or N/h with N a positive number (e.g. 6/min), got '"
                    + value + "'");
        }
        double n = Double.parseDouble(m.group(1));
        double per = switch (m.group(2)) {
            case "s" -> n;
            case "min" -> n / 60;
            default -> n / 3600;
        };
        if (per < 1.0 / 3600 - 1e-12 || per > 10 + 1e-12) {
            throw new ParameterException(cmd, "--rate must be 1/h..10/s, got '" + value + "'");
        }
        return per;
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        ReleaseState state = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
        StackConfig c = state.config();
        double perSecond = perSecond(cmd, rate);
        Duration d = DrainCommand.duration(cmd, "--duration", duration, Duration.ofSeconds(1), Duration.ofHours(72));
        Duration hold = timing.hold(cmd);
        Duration answer = timing.answerTimeout(cmd);
        Duration upload = timing.uploadTimeout(cmd);
        Duration esl = DrainCommand.duration(cmd, "--timeout", eslTimeout, Duration.ofMillis(100), Duration.ofMinutes(1));
        Synthetic.Settings settings = new Synthetic.Settings(perSecond, d, hold, answer, upload, c.trunk().sipTlsPort(), esl);
        if (settings.calls() > Synthetic.MAX_CALLS) {
            throw new ParameterException(cmd, "--rate " + rate + " for --duration " + duration + " is " + settings.calls()
                    + " calls, more than one run places (" + Synthetic.MAX_CALLS + "); lower --rate or split the window");
        }
        if (maxShare < 1 || maxShare > 50) {
            throw new ParameterException(cmd, "--max-share must be 1..50 (percent), got " + maxShare);
        }
        if (canary && nodeOptions.inventory == null) {
            throw new ParameterException(cmd, "--canary needs --inventory FILE (from: " + NodeTarget.inventoryCommand(c.stack())
                    + "): the canary nodes are the inventory's instances on the canary template");
        }
        JsonObject json = new JsonObject();
        json.addProperty("command", "synthetic");
        json.addProperty("stack", c.stack());
        json.addProperty("canary", canary);
        if (canary && state.canary().isEmpty()) {
            return fail(json, "refused", "stack " + c.stack() + " runs no canary (" + ReleaseState.CANARY_SIZE_KEY + " is 0 in "
                    + state.file().getFileName() + "): --canary has no node to call; start one with `mediaplane canary start`",
                    ExitCode.REFUSED);
        }
        NodeOptions.Fleet fleet = nodeOptions.all(cmd, c, "give --inventory FILE (from: " + NodeTarget.inventoryCommand(c.stack())
                + ") or --address HOST[:PORT]");
        List<NodeTarget> nodes = fleet.nodes();
        List<String> calls = new ArrayList<>();
        if (canary) {
            String group = ReleaseChecks.groupName(state);
            String template = state.canaryTemplate().orElseThrow();
            calls.add("Compute listManagedInstances of " + group + " in " + c.region() + ": the nodes on template " + template);
            if (!dryRun) {
                List<ComputeFleet.Node> managed;
                try {
                    managed = context.fleet().apply(c.project()).nodes(c.region(), group);
                } catch (CloudException e) {
                    return fail(json, "unreachable", e.getMessage(), ExitCode.UNAVAILABLE);
                }
                Set<String> onCanary = new java.util.HashSet<>();
                managed.stream().filter(n -> n.template().equals(template)).forEach(n -> onCanary.add(n.name()));
                List<NodeTarget> picked = nodes.stream().filter(n -> onCanary.contains(n.name())).toList();
                if (picked.isEmpty()) {
                    return fail(json, "refused", "no node of " + nodeOptions.inventory + " runs the canary template " + template
                            + " (Compute: " + (onCanary.isEmpty() ? "no instance of " + group + " on it" : "on it: " + onCanary)
                            + "); refresh the inventory", ExitCode.REFUSED);
                }
                nodes = picked;
            }
        }
        double perNode = perSecond / nodes.size();
        double sessions = 2 * perNode * (hold.toMillis() / 1000.0 + 1);
        double allowed = c.fleet().maxSessions() * maxShare / 100.0;
        json.addProperty("ratePerSecond", perSecond);
        json.addProperty("durationSec", d.toSeconds());
        json.addProperty("holdSec", hold.toSeconds());
        if (sessions > allowed) {
            return fail(json, "refused", String.format(Locale.ROOT, "--rate %s with --hold %s keeps about %.1f synthetic sessions up"
                    + " per node (2 per call, %d node%s), more than %d%% of fleet.maxSessions %d (%.1f); lower --rate or --hold,"
                    + " or raise --max-share", rate, timing.hold, sessions, nodes.size(), nodes.size() == 1 ? "" : "s", maxShare,
                    c.fleet().maxSessions(), allowed), ExitCode.REFUSED);
        }
        if (2 * perNode > c.fleet().sessionsPerSecond() / 2.0) {
            return fail(json, "refused", String.format(Locale.ROOT, "--rate %s puts %.2f new sessions per second on each node, more"
                    + " than half of fleet.sessionsPerSecond %d; lower --rate", rate, 2 * perNode, c.fleet().sessionsPerSecond()),
                    ExitCode.REFUSED);
        }
        RecordingCheck.Setup setup = SmokeCommand.CallTiming.recordings(c, "synthetic");
        EslLogin login = nodeOptions.login(c, clients);
        JsonArray names = new JsonArray();
        nodes.forEach(n -> names.add(n.name()));
        json.add("nodes", names);
        json.addProperty("calls", settings.calls());
        PrintWriter out = cmd.getOut();
        if (dryRun) {
            calls.add(RecordingCheck.plan(setup).get(0));
            if (canary) {
                calls.add("the inventory's nodes on the canary template (of " + String.join(", ", nodes.stream()
                        .map(NodeTarget::name).toList()) + "): userauth " + login.describe() + " at <internal address>:"
                        + fleet.eslPort());
                calls.add(String.format(Locale.ROOT, "%d call%s, one every %d ms, round robin over those nodes, each:",
                        settings.calls(), settings.calls() == 1 ? "" : "s", settings.interval().toMillis()));
            } else {
                for (NodeTarget n : nodes) {
                    calls.add(n.name() + ": userauth " + login.describe() + " at " + n.internal() + ":" + fleet.eslPort());
                }
                calls.add(String.format(Locale.ROOT, "%d call%s, one every %d ms, round robin over %d node%s, each:",
                        settings.calls(), settings.calls() == 1 ? "" : "s", settings.interval().toMillis(), nodes.size(),
                        nodes.size() == 1 ? "" : "s"));
            }
            for (String s : TestCall.plan(new TestCall.Spec("<node internal address>", c.trunk().sipTlsPort(), hold, answer, false),
                    Synthetic.ORG)) {
                calls.add("  " + s);
            }
            calls.addAll(RecordingCheck.plan(setup).subList(1, 3));
            JsonArray a = new JsonArray();
            calls.forEach(a::add);
            json.addProperty("dryRun", true);
            json.add("plan", a);
            if (output.json) {
                out.println(DrainCommand.gson(json));
            } else {
                out.println("synthetic " + c.stack() + (canary ? " (canary)" : "") + " would call:");
                calls.forEach(s -> out.println("  " + s));
                out.println("nothing was contacted (--dry-run)");
            }
            out.flush();
            return ExitCode.OK.code();
        }
        List<Synthetic.Node> targets = new ArrayList<>();
        try {
            EslCredentials first = login.credentials(nodes.get(0).internal(), fleet.eslPort());
            for (NodeTarget n : nodes) {
                targets.add(new Synthetic.Node(n.name(), new EslCredentials(n.internal(), fleet.eslPort(), first.user(), first.password())));
            }
        } catch (EslLogin.LoginUnavailable e) {
            return fail(json, "unreachable", e.getMessage(), ExitCode.UNAVAILABLE);
        }
        Progress progress = new Progress(cmd.getErr(), tty != null ? tty : Progress.terminal(), 10);
        Synthetic.Report r;
        try {
            r = new Synthetic(settings, recordings, setup).run(targets, (placed, answered, ended, total) -> progress.update(
                    "synthetic " + c.stack() + ": " + placed + "/" + total + " placed, " + answered + " answered, " + ended + " ended"));
        } catch (EslException e) {
            progress.done();
            return fail(json, "unreachable", DrainCommand.explain(e, "originate", "the node"), ExitCode.UNAVAILABLE);
        } catch (IOException e) {
            progress.done();
            return fail(json, "unreachable", e.getMessage(), ExitCode.UNAVAILABLE);
        }
        progress.done();
        boolean pass = r.placed() > 0 && r.answered() == r.placed() && r.complete() == r.answered()
                && r.lossPercent() <= c.alerts().packetLossPercent();
        report(json, r, c, pass);
        if (output.json) {
            out.println(DrainCommand.gson(json));
        } else {
            text(out, r, c, pass);
        }
        out.flush();
        return pass ? ExitCode.OK.code() : ExitCode.FAILED.code();
    }

    private static void report(JsonObject json, Synthetic.Report r, StackConfig c, boolean pass) {
        json.addProperty("placed", r.placed());
        json.addProperty("answered", r.answered());
        json.addProperty("answerRate", r.answerRate());
        JsonObject pdd = new JsonObject();
        pdd.addProperty("samples", r.pddMs().size());
        pdd.addProperty("median", r.pdd(50));
        pdd.addProperty("p95", r.pdd(95));
        pdd.addProperty("max", r.pdd(100));
        json.add("postDialDelayMs", pdd);
        JsonObject loss = new JsonObject();
        loss.addProperty("sent", r.sent());
        loss.addProperty("received", r.received());
        loss.addProperty("lost", Math.max(0, r.sent() - r.received()));
        loss.addProperty("lossPercent", r.lossPercent());
        loss.addProperty("thresholdPercent", c.alerts().packetLossPercent());
        json.add("packets", loss);
        JsonObject rec = new JsonObject();
        rec.addProperty("complete", r.complete());
        rec.addProperty("of", r.answered());
        rec.addProperty("completeness", r.completeness());
        json.add("recordings", rec);
        JsonObject nodes = new JsonObject();
        for (Map.Entry<String, int[]> e : Synthetic.byNode(r).entrySet()) {
            JsonObject n = new JsonObject();
            n.addProperty("placed", e.getValue()[0]);
            n.addProperty("answered", e.getValue()[1]);
            n.addProperty("complete", e.getValue()[2]);
            nodes.add(e.getKey(), n);
        }
        json.add("byNode", nodes);
        JsonArray calls = new JsonArray();
        for (Synthetic.Call call : r.calls()) {
            JsonObject o = new JsonObject();
            TestCall.Outcome x = call.outcome();
            o.addProperty("node", call.node());
            o.addProperty("callSid", x.ids().callSid());
            o.addProperty("answered", x.answered());
            o.addProperty("postDialDelayMs", x.pddMs());
            o.addProperty("sent", x.sent());
            o.addProperty("received", x.received());
            o.addProperty("complete", call.complete());
            o.addProperty("failure", x.failure());
            if (call.recording() != null) {
                o.addProperty("recording", call.recording().detail());
                o.addProperty("event", call.event().detail());
            }
            calls.add(o);
        }
        json.add("callList", calls);
        JsonArray notes = new JsonArray();
        r.notes().forEach(notes::add);
        json.add("notes", notes);
        json.addProperty("pass", pass);
    }

    private static void text(PrintWriter out, Synthetic.Report r, StackConfig c, boolean pass) {
        out.printf(Locale.ROOT, "answer rate          %d/%d (%.1f%%)%n", r.answered(), r.placed(), 100 * r.answerRate());
        out.printf(Locale.ROOT, "post-dial delay      %s%n", r.pddMs().isEmpty() ? "no samples"
                : "median " + r.pdd(50) + " ms, p95 " + r.pdd(95) + " ms, max " + r.pdd(100) + " ms (" + r.pddMs().size() + " calls)");
        out.printf(Locale.ROOT, "packet loss          %.2f%% (%d of %d RTP packets; threshold %s%%)%n", r.lossPercent(),
                Math.max(0, r.sent() - r.received()), r.sent(), c.alerts().packetLossPercent());
        out.printf(Locale.ROOT, "recordings complete  %d/%d (%.1f%%)%n", r.complete(), r.answered(), 100 * r.completeness());
        for (Synthetic.Call call : r.calls()) {
            if (!call.answered() || !call.complete()) {
                TestCall.Outcome x = call.outcome();
                out.println("  FAIL " + call.node() + " " + x.ids().callSid() + ": " + (x.failure() != null ? x.failure()
                        : !call.recording().pass() ? call.recording().detail() : call.event().detail()));
            }
        }
        r.notes().forEach(n -> out.println("note: " + n));
        out.printf("synthetic %s: %s%n", c.stack(), pass ? "PASS" : "FAIL");
    }

    private int fail(JsonObject json, String outcome, String why, ExitCode code) {
        json.addProperty("outcome", outcome);
        json.addProperty("detail", why);
        if (output.json) {
            spec.commandLine().getOut().println(DrainCommand.gson(json));
            spec.commandLine().getOut().flush();
        }
        spec.commandLine().getErr().println("mediaplane synthetic: " + why);
        spec.commandLine().getErr().flush();
        return code.code();
    }
}
