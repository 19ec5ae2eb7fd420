package dev.mediaplane.cli;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanMermaid;
import dev.mediaplane.plan.PlanPrinter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane plan}: the offline preview of a stack, as a tree or JSON. */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Plans a stack offline (no Pulumi CLI, no GCP): every resource with its inputs, or (--format mermaid)",
            "a Mermaid flowchart of ranges, firewall rules, fleet, load balancer, buckets, topics, secrets and alerts.",
            "Secrets show as [secret]; long values (scripts, bundle files) as their size and sha256 prefix."
        })
public final class PlanCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    enum Format { tree, json, mermaid }

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tree (default), json (the same as --json) or mermaid (a flowchart of the stack for"
                    + " GitHub and other Markdown viewers).")
    Format format;

    @Mixin
    CommonOptions common;

    @Spec
    private CommandSpec spec;

    private final Function<LoadedConfig, Plan> planner;

    PlanCommand(Function<LoadedConfig, Plan> planner) {
        this.planner = planner;
    }

    @Override
    public Integer call() {
        if (output.json && format != null && format != Format.json) {
            throw new ParameterException(spec.commandLine(), "--json and --format " + format + " contradict each other;"
                    + " give one of them");
        }
        Format f = output.json ? Format.json : format == null ? Format.tree : format;
        dev.mediaplane.plan.Phases.mark("call");
        LoadedConfig config = stack.load();
        dev.mediaplane.plan.Phases.mark("config loaded");
        Plan plan = planner.apply(config);
        dev.mediaplane.plan.Phases.mark("planned");
        PrintWriter out = spec.commandLine().getOut();
        out.print(switch (f) {
            case tree -> PlanPrinter.tree(plan);
            case json -> PlanPrinter.json(plan);
            case mermaid -> PlanMermaid.render(plan, config.config());
        });
        out.flush();
        dev.mediaplane.plan.Phases.mark("printed");
        return ExitCode.OK.code();
    }
}
