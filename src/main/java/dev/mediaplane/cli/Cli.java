package dev.mediaplane.cli;

import dev.mediaplane.config.ConfigException;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The one place that builds the {@code mediaplane} command line. Tests call {@link #create} with
 * their own planner and writers and assert on output and exit codes.
 */
public final class Cli {

    private Cli() {}

    /** The CLI with the real planner (the Pulumi mock engine). */
    public static CommandLine create() {
        return create(PlanRunner::run, PlanRunner::run);
    }

    /** The CLI with {@code planner} turning a loaded stack config into a plan. */
    public static CommandLine create(Function<LoadedConfig, Plan> planner) {
        return create(planner, (config, now) -> planner.apply(config));
    }

    /** As {@link #create(Function)}; {@code clocked} plans with a given clock (diff plans both sides at one instant). */
    static CommandLine create(Function<LoadedConfig, Plan> planner, BiFunction<LoadedConfig, Instant, Plan> clocked) {
        CommandLine cli = new CommandLine(new MediaplaneCommand())
                .addSubcommand(new CommandLine(new PlanCommand(planner)))
                .addSubcommand(new CommandLine(new CheckCommand(planner)))
                .addSubcommand(new CommandLine(new DiffCommand(clocked)))
                .addSubcommand(new CommandLine(new PoliciesCommand()))
                .addSubcommand(new CommandLine(new RenderCommand()))
                .addSubcommand(new CommandLine(new ReleaseCommand()))
                .addSubcommand(new CommandLine(new CanaryCommand()))
                .addSubcommand(new CommandLine(new PromoteCommand()))
                .addSubcommand(new CommandLine(new RollbackCommand()))
                .addSubcommand(new CommandLine(new RolloutCommand()))
                .addSubcommand(DrainCommand.withOpsExitCodes(new CommandLine(new DrainCommand())))
                .addSubcommand(DrainCommand.withOpsExitCodes(new CommandLine(new UndrainCommand())))
                .addSubcommand(DrainCommand.withOpsExitCodes(SecretsCommand.line()))
                .addSubcommand(DrainCommand.withOpsExitCodes(new CommandLine(new SmokeCommand())));
        cli.setExecutionExceptionHandler(Cli::onError);
        addExitCodes(cli);
        return cli;
    }

    /** Runs the CLI on the process's stdout and stderr (UTF-8) and returns the exit code. */
    public static int execute(String... args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        CommandLine cli = create();
        cli.setOut(out);
        cli.setErr(err);
        int code;
        try {
            code = cli.execute(args);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // Errors pass picocli's handler; no input may end in a JVM stack trace.
            err.printf("mediaplane: internal error: %s (rerun with --verbose for the stack trace)%n", e.getClass().getSimpleName());
            if (java.util.Arrays.asList(args).contains(CommonOptions.VERBOSE)) {
                e.printStackTrace(err);
            }
            code = ExitCode.INTERNAL.code();
        }
        out.flush();
        err.flush();
        return code;
    }

    private static void addExitCodes(CommandLine cmd) {
        if (cmd.getCommandSpec().userObject() instanceof DiffCommand) {
            // diff's own scheme (0 same, 2 changes, 1 error, listed by its @Command): 2 may only mean changes.
            cmd.getCommandSpec().exitCodeOnInvalidInput(DiffCommand.ERROR);
            cmd.getCommandSpec().exitCodeOnExecutionException(DiffCommand.ERROR);
            return;
        }
        cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.helpList());
        cmd.getCommandSpec().exitCodeOnInvalidInput(ExitCode.USAGE.code());
        cmd.getCommandSpec().exitCodeOnExecutionException(ExitCode.INTERNAL.code());
        cmd.getSubcommands().values().forEach(Cli::addExitCodes);
    }

    /** diff maps every error to its one error code; other commands keep theirs. */
    private static int code(CommandLine cmd, ExitCode code) {
        return cmd.getCommandSpec().userObject() instanceof DiffCommand ? DiffCommand.ERROR : code.code();
    }

    /**
     * Config errors are the user's to fix: every problem, no trace. Anything else is ours: the
     * exception's class and message, the trace only with --verbose.
     */
    private static int onError(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof ConfigException ce) {
            err.printf("mediaplane %s: invalid stack config (%d problem%s):%n", cmd.getCommandName(),
                    ce.problems().size(), ce.problems().size() == 1 ? "" : "s");
            ce.problems().forEach(p -> err.println("  - " + p));
            err.flush();
            return code(cmd, ExitCode.CONFIG_ERROR);
        }
        if (e instanceof CommandLine.ParameterException pe) {
            err.println("mediaplane " + cmd.getCommandName() + ": " + pe.getMessage());
            err.flush();
            return code(cmd, ExitCode.USAGE);
        }
        err.printf("mediaplane %s: internal error: %s%s%n", cmd.getCommandName(), e.getClass().getSimpleName(),
                e.getMessage() == null ? "" : ": " + e.getMessage());
        if (verbose(parsed)) {
            e.printStackTrace(err);
        } else {
            err.println("(rerun with --verbose for the stack trace)");
        }
        err.flush();
        return code(cmd, ExitCode.INTERNAL);
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(CommonOptions.VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
