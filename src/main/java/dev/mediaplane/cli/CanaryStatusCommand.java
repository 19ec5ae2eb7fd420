package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.release.CanaryAnalysis;
import dev.mediaplane.ops.release.CanaryAnalysis.Finding;
import dev.mediaplane.ops.release.CanaryAnalysis.NodeRef;
import dev.mediaplane.ops.release.CanaryAnalysis.Verdict;
import dev.mediaplane.ops.release.ComputeFleet;
import dev.mediaplane.ops.release.MetricsReader;
import dev.mediaplane.ops.release.RefusedException;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code mediaplane canary status}: automated canary analysis. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Automated canary analysis: reads the node agent's metrics from Cloud Monitoring over --window for the canary's"
                    + " nodes and the stable nodes (which node runs which release comes from Compute), and gives a"
                    + " verdict per metric and overall: promote, hold or roll back, with the values side by side.",
            "Metrics: call failures, packet loss, MOS, recording upload failures and latency, CPU, memory. Too few"
                    + " samples on either side is hold: it never says promote on no data.",
            "Exit code: 0 promote, 5 hold, 6 roll back (CI gates on it). Uses application default credentials.",
            "Thresholds: the built-in rules, then the stack's mediaplane:canaryThresholds, then --threshold.",
            "",
            "Examples:",
            "  mediaplane canary status --stack prod",
            "  mediaplane canary status --stack prod --window 72h --json",
            "  mediaplane canary status --stack prod --threshold call-failures.roll-back=1 --threshold cpu.hold=1.1",
            "  mediaplane canary status --stack prod --dry-run    # the requests it would make"
        })
public final class CanaryStatusCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "24h",
            description = "How far back to compare, e.g. 90m, 24h, 3d (default: ${DEFAULT-VALUE}; 5m to 42d).")
    String window;

    @Option(names = "--threshold", paramLabel = "ID.FIELD=VALUE",
            description = "Override a rule for this run, over the stack's mediaplane:canaryThresholds: ID one of call-failures, packet-loss, mos, upload-failures, upload-latency, cpu,"
                    + " memory; FIELD hold, roll-back or min-samples. Repeatable.")
    Map<String, Double> thresholds = new LinkedHashMap<>();

    @Option(names = "--dry-run", description = "Print the Monitoring requests it would make; call nothing.")
    boolean dryRun;

    @ParentCommand
    CanaryCommand parent;

    @Spec
    CommandSpec spec;

    static Duration parseWindow(CommandSpec spec, String s) {
        return DrainCommand.duration(spec.commandLine(), "--window", s, Duration.ofMinutes(5), Duration.ofDays(42));
    }

    @Override
    public Integer call() throws Exception {
        Duration w = parseWindow(spec, window);
        try {
            CanaryAnalysis.rules(thresholds);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return ReleaseSupport.guarded(spec, () -> {
            ReleaseContext ctx = parent.context;
            ReleaseState s = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
            // The stack's thresholds first, then --threshold on top: the command line wins for this run.
            Map<String, Double> overrides = new LinkedHashMap<>(s.config().canary().overrides());
            overrides.putAll(thresholds);
            List<CanaryAnalysis.Rule> rules = CanaryAnalysis.rules(overrides);
            if (s.canary().isEmpty()) {
                throw new RefusedException("no canary runs on stack " + s.stack() + " (" + ReleaseState.CANARY_SIZE_KEY
                        + " is 0): nothing to analyse; start one with 'mediaplane canary start'");
            }
            PrintWriter out = spec.commandLine().getOut();
            Instant end = ctx.clock().instant();
            if (dryRun) {
                return dryRun(out, s, w, end, rules);
            }
            Progress progress = new Progress(spec.commandLine().getErr(), ctx.tty());
            progress.update("listing the nodes of " + ReleaseChecks.groupName(s));
            ComputeFleet fleet = ctx.fleet().apply(s.config().project());
            List<NodeRef> canary = new ArrayList<>();
            List<NodeRef> stable = new ArrayList<>();
            for (ComputeFleet.Node n : fleet.nodes(s.config().region(), ReleaseChecks.groupName(s))) {
                String release = n.template().isEmpty() ? "" : fleet.releaseOf(n.template()).orElse("");
                if (release.equals(s.canary().get())) {
                    canary.add(new NodeRef(n.name(), n.id()));
                } else if (release.equals(s.stable())) {
                    stable.add(new NodeRef(n.name(), n.id()));
                }
            }
            CanaryAnalysis.Result r;
            try (MetricsReader reader = ctx.metrics().apply(s.config().project())) {
                r = CanaryAnalysis.analyse(reader, s.config().project(), canary, stable, w, end, rules, progress::update);
            }
            progress.done();
            print(out, s, w, r, canary, stable);
            return switch (r.overall()) {
                case PROMOTE -> ExitCode.OK.code();
                case HOLD -> ExitCode.CANARY_HOLD.code();
                case ROLL_BACK -> ExitCode.CANARY_ROLL_BACK.code();
            };
        });
    }

    private int dryRun(PrintWriter out, ReleaseState s, Duration w, Instant end, List<CanaryAnalysis.Rule> rules) {
        List<String> calls = new ArrayList<>();
        calls.add("compute: POST projects/" + s.config().project() + "/regions/" + s.config().region()
                + "/instanceGroupManagers/" + ReleaseChecks.groupName(s) + "/listManagedInstances (+ instanceTemplates.get per template)");
        for (var m : CanaryAnalysis.metricsRead()) {
            calls.add("monitoring: projects.timeSeries.list name=projects/" + s.config().project() + " filter=" + CanaryAnalysis.filter(m)
                    + " interval=[" + end.minus(w) + ", " + end + "] alignmentPeriod=" + w.toSeconds() + "s");
        }
        if (output.json) {
            JsonObject o = new JsonObject();
            o.addProperty("stack", s.stack());
            o.addProperty("dryRun", true);
            JsonArray a = new JsonArray();
            calls.forEach(a::add);
            o.add("calls", a);
            o.add("rules", rulesJson(rules));
            out.print(ReleaseSupport.json(o));
        } else {
            out.println("dry run: canary status on stack " + s.stack() + " would call:");
            calls.forEach(c -> out.println("  " + c));
        }
        out.flush();
        return ExitCode.OK.code();
    }

    private static JsonArray rulesJson(List<CanaryAnalysis.Rule> rules) {
        JsonArray a = new JsonArray();
        for (var r : rules) {
            JsonObject x = new JsonObject();
            x.addProperty("id", r.id());
            x.addProperty("basis", r.basis().name().toLowerCase(Locale.ROOT));
            x.addProperty("hold", r.hold());
            x.addProperty("rollBack", r.rollBack());
            x.addProperty("minSamples", r.minSamples());
            a.add(x);
        }
        return a;
    }

    private static Double num(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
    }

    private void print(PrintWriter out, ReleaseState s, Duration w, CanaryAnalysis.Result r, List<NodeRef> canary,
                       List<NodeRef> stable) {
        if (output.json) {
            JsonObject o = new JsonObject();
            o.addProperty("stack", s.stack());
            o.addProperty("canary", s.canary().orElseThrow());
            o.addProperty("stable", s.stable());
            o.addProperty("windowSeconds", w.toSeconds());
            o.addProperty("start", r.start().toString());
            o.addProperty("end", r.end().toString());
            o.addProperty("verdict", r.overall().words());
            JsonArray cn = new JsonArray();
            canary.forEach(n -> cn.add(n.name()));
            JsonArray sn = new JsonArray();
            stable.forEach(n -> sn.add(n.name()));
            o.add("canaryNodes", cn);
            o.add("stableNodes", sn);
            o.addProperty("canaryCalls", r.canaryCalls());
            o.addProperty("stableCalls", r.stableCalls());
            o.addProperty("syntheticCalls", r.syntheticCalls().orElse(null));
            JsonArray fs = new JsonArray();
            for (Finding f : r.findings()) {
                JsonObject x = new JsonObject();
                x.addProperty("metric", f.rule().id());
                x.addProperty("unit", f.rule().unit());
                x.addProperty("canary", num(f.canary().value()));
                x.addProperty("stable", num(f.stable().value()));
                x.addProperty("canarySamples", f.canary().samples());
                x.addProperty("stableSamples", f.stable().samples());
                x.addProperty("verdict", f.verdict().words());
                x.addProperty("reason", f.reason());
                fs.add(x);
            }
            o.add("metrics", fs);
            o.add("rules", rulesJson(r.findings().stream().map(Finding::rule).toList()));
            out.print(ReleaseSupport.json(o));
        } else {
            out.printf("canary %s on %s vs stable %s on %s, last %s%n", ReleaseState.short12(s.canary().orElseThrow()),
                    names(canary), ReleaseState.short12(s.stable()), names(stable), w);
            out.printf("  %-16s %14s %14s  %-9s %s%n", "METRIC", "CANARY", "STABLE", "VERDICT", "WHY");
            for (Finding f : r.findings()) {
                out.printf("  %-16s %14s %14s  %-9s %s%n", f.rule().id(), show(f.canary(), f.rule().unit()),
                        show(f.stable(), f.rule().unit()), f.verdict().words(), f.reason());
            }
            out.printf("  calls: canary %d, stable %d; synthetic calls on the canary: %s%n", r.canaryCalls(), r.stableCalls(),
                    r.syntheticCalls().map(String::valueOf).orElse("not measured"));
            out.println("verdict: " + r.overall().words().toUpperCase(Locale.ROOT)
                    + (r.overall() == Verdict.PROMOTE ? " (mediaplane promote --stack " + s.stack() + ")"
                    : r.overall() == Verdict.ROLL_BACK ? " (mediaplane rollback --stack " + s.stack() + ")" : ""));
        }
        out.flush();
    }

    private static String names(List<NodeRef> nodes) {
        return nodes.isEmpty() ? "no node" : String.join(",", nodes.stream().map(NodeRef::name).toList());
    }

    private static String show(CanaryAnalysis.Side side, String unit) {
        if (Double.isNaN(side.value())) {
            return "no data";
        }
        return String.format(Locale.ROOT, "%.4g %s", side.value(), unit.equals("bytes") ? "B" : unit);
    }
}
