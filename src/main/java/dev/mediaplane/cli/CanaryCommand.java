package dev.mediaplane.cli;

import dev.mediaplane.ops.release.ReleaseContext;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane canary}: start a canary, and analyse it. */
@Command(name = "canary", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        subcommands = {CanaryStartCommand.class, CanaryStatusCommand.class},
        description = {"Canary releases: 'canary start' runs the current render on N nodes beside the stable release;",
            "'canary status' compares their metrics and says promote, hold or roll back."})
public final class CanaryCommand implements Callable<Integer> {

    /** The outside world of the release commands; tests replace it before execute. */
    ReleaseContext context = ReleaseContext.system();

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE.code();
    }
}
