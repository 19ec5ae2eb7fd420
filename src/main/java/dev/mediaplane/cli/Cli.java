package dev.mediaplane.cli;

import dev.mediaplane.config.ConfigException;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The one place that builds the {@code mediaplane} command line. Tests call {@link #create} with
 * their own planner and writers and assert on output and exit codes.
 */
public final class Cli {

    /** The plan subcommand's name, from its {@code @Command}. */
    static final String PLAN = PlanCommand.class.getAnnotation(CommandLine.Command.class).name();

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
        return create(planner, clocked, false);
    }

    /**
     * The CLI for running {@code plan} (the command line's first word): the top command with only the plan
     * subcommand. Picocli builds every command's model by reflection when the CLI is built, ~0.1 s of a
     * plan's start for the thirteen siblings it never uses; nothing under {@code plan} refers to them, so
     * a plan command line parses, prints and exits the same (CliTest compares both CLIs).
     */
    static CommandLine createForPlan(Function<LoadedConfig, Plan> planner) {
        return create(planner, (config, now) -> planner.apply(config), true);
    }

    private static CommandLine create(Function<LoadedConfig, Plan> planner, BiFunction<LoadedConfig, Instant, Plan> clocked,
                                      boolean planOnly) {
        CommandLine cli = new CommandLine(new MediaplaneCommand())
                .addSubcommand(new CommandLine(new PlanCommand(planner)));
        if (!planOnly) {
            cli.addSubcommand(new CommandLine(new CheckCommand(planner)))
                    .addSubcommand(new CommandLine(new DiffCommand(clocked)))
                    .addSubcommand(new CommandLine(new PoliciesCommand()))
                    .addSubcommand(new CommandLine(new RenderCommand()))
                    .addSubcommand(new CommandLine(new ReleaseCommand()))
                    .addSubcommand(new CommandLine(new CanaryCommand()))
                    .addSubcommand(new CommandLine(new PromoteCommand()))
                    .addSubcommand(new CommandLine(new RollbackCommand()))
                    .addSubcommand(new CommandLine(new RolloutCommand()))
                    .addSubcommand(new CommandLine(new DrainCommand()))
                    .addSubcommand(new CommandLine(new UndrainCommand()))
                    .addSubcommand(SecretsCommand.line())
                    .addSubcommand(new CommandLine(new SmokeCommand()))
                    .addSubcommand(new CommandLine(new SyntheticCommand()));
        }
        cli.setExecutionExceptionHandler(Cli::onError);
        addExitCodes(cli);
        return cli;
    }

    /** Runs the CLI on the process's stdout and stderr (UTF-8) and returns the exit code. */
    public static int execute(String... args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        CommandLine cli = args.length > 0 && args[0].equals(PLAN) ? createForPlan(PlanRunner::run) : create();
        dev.mediaplane.plan.Phases.mark("cli built");
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

    /**
     * The exit codes a command can return, from {@link ExitCode}: {@code returns} is what its --help lists
     * (every number once), {@code usage}, {@code config} and {@code internal} what {@link #onError} returns
     * for a bad command line, an invalid stack config and anything else (each one of {@code returns}).
     */
    record Codes(List<ExitCode> returns, ExitCode usage, ExitCode config, ExitCode internal) {
        Codes {
            returns = returns.stream().sorted(Comparator.comparingInt(ExitCode::code)).toList();
            ExitCode.helpList(returns); // refuses a number listed twice
            for (ExitCode e : List.of(usage, config, internal)) {
                if (!returns.contains(e)) {
                    throw new IllegalArgumentException(e + " is returned on errors but not listed in " + returns);
                }
            }
        }

        /** {@code own}, plus the codes every command has: OK (--help), USAGE, INTERNAL. */
        static Codes of(ExitCode... own) {
            EnumSet<ExitCode> all = EnumSet.of(ExitCode.OK, ExitCode.USAGE, ExitCode.INTERNAL);
            all.addAll(List.of(own));
            // A command without --stack never loads a config: CONFIG_ERROR stands for INTERNAL there.
            return new Codes(List.copyOf(all), ExitCode.USAGE,
                    all.contains(ExitCode.CONFIG_ERROR) ? ExitCode.CONFIG_ERROR : ExitCode.INTERNAL, ExitCode.INTERNAL);
        }

        /** As {@link #of}, for the commands that read a stack file. */
        static Codes stack(ExitCode... own) {
            Codes c = of(own);
            List<ExitCode> all = new ArrayList<>(c.returns);
            all.add(ExitCode.CONFIG_ERROR);
            return new Codes(all, ExitCode.USAGE, ExitCode.CONFIG_ERROR, ExitCode.INTERNAL);
        }
    }

    /**
     * Each command's exit codes: the one table of what --help lists and what {@link #onError} returns.
     * CommandExitCodesTest checks every entry against the codes the command's code paths use.
     */
    static final Map<Class<?>, Codes> EXIT_CODES = Map.ofEntries(
            Map.entry(MediaplaneCommand.class, Codes.of()),
            Map.entry(PlanCommand.class, Codes.stack()),
            Map.entry(CheckCommand.class, Codes.stack(ExitCode.POLICY_VIOLATION)),
            // diff as `pulumi preview --expect-no-changes` users expect: 2 may only mean changes, every error is 1.
            Map.entry(DiffCommand.class, new Codes(List.of(ExitCode.OK, ExitCode.DIFF_ERROR, ExitCode.DIFF_CHANGES),
                    ExitCode.DIFF_ERROR, ExitCode.DIFF_ERROR, ExitCode.DIFF_ERROR)),
            Map.entry(PoliciesCommand.class, Codes.of()),
            Map.entry(RenderCommand.class, Codes.stack(ExitCode.IO_ERROR)),
            Map.entry(ReleaseCommand.class, Codes.of()),
            Map.entry(ReleaseStatusCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(CanaryCommand.class, Codes.of()),
            Map.entry(CanaryStartCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(CanaryStatusCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.CANARY_HOLD,
                    ExitCode.CANARY_ROLL_BACK, ExitCode.UNAVAILABLE)),
            Map.entry(PromoteCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(RollbackCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(RolloutCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.NODE_NOT_READY, ExitCode.UNAVAILABLE)),
            Map.entry(DrainCommand.class, Codes.stack(ExitCode.FAILED, ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(UndrainCommand.class, Codes.stack(ExitCode.UNAVAILABLE)),
            Map.entry(SecretsCommand.class, Codes.of()),
            Map.entry(SecretsRotateCommand.class, Codes.stack(ExitCode.FAILED, ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(SecretsStatusCommand.class, Codes.stack(ExitCode.FAILED, ExitCode.UNAVAILABLE)),
            Map.entry(SecretsDisableOldCommand.class, Codes.stack(ExitCode.REFUSED, ExitCode.UNAVAILABLE)),
            Map.entry(SmokeCommand.class, Codes.stack(ExitCode.FAILED, ExitCode.UNAVAILABLE)),
            Map.entry(SyntheticCommand.class, Codes.stack(ExitCode.FAILED, ExitCode.REFUSED, ExitCode.UNAVAILABLE)));

    /** The exit codes of {@code cmd}; a command without an entry is a bug caught when the CLI is built. */
    static Codes codes(CommandLine cmd) {
        Object command = cmd.getCommandSpec().userObject();
        Codes c = EXIT_CODES.get(command.getClass());
        if (c == null) {
            throw new IllegalStateException("no exit codes declared in Cli.EXIT_CODES for " + command.getClass().getName());
        }
        return c;
    }

    private static void addExitCodes(CommandLine cmd) {
        Codes c = codes(cmd);
        // A command may word its own list in its @Command (diff speaks of changes, not of OK); the numbers are
        // still these (CommandExitCodesTest).
        if (cmd.getCommandSpec().usageMessage().exitCodeList().isEmpty()) {
            cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.helpList(c.returns()));
        }
        cmd.getCommandSpec().exitCodeOnInvalidInput(c.usage().code());
        cmd.getCommandSpec().exitCodeOnExecutionException(c.internal().code());
        cmd.getSubcommands().values().forEach(Cli::addExitCodes);
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
            return codes(cmd).config().code();
        }
        if (e instanceof CommandLine.ParameterException pe) {
            err.println("mediaplane " + cmd.getCommandName() + ": " + pe.getMessage());
            err.flush();
            return codes(cmd).usage().code();
        }
        err.printf("mediaplane %s: internal error: %s%s%n", cmd.getCommandName(), e.getClass().getSimpleName(),
                e.getMessage() == null ? "" : ": " + e.getMessage());
        if (verbose(parsed)) {
            e.printStackTrace(err);
        } else {
            err.println("(rerun with --verbose for the stack trace)");
        }
        err.flush();
        return codes(cmd).internal().code();
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
