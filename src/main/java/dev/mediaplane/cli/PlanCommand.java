package dev.mediaplane.cli;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanPrinter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane plan}: the offline preview of a stack, as a tree or JSON. */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Plans a stack offline (no Pulumi CLI, no GCP): every resource with its inputs.",
            "Secrets show as [secret]; long values (scripts, bundle files) as their size and sha256 prefix."
        })
public final class PlanCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

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
        Plan plan = planner.apply(stack.load());
        PrintWriter out = spec.commandLine().getOut();
        out.print(output.json ? PlanPrinter.json(plan) : PlanPrinter.tree(plan));
        out.flush();
        return ExitCode.OK.code();
    }
}
