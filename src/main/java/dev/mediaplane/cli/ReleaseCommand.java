package dev.mediaplane.cli;

import dev.mediaplane.ops.release.ReleaseContext;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code mediaplane release}: the releases of a stack ({@code release status}). The release commands'
 * shared plumbing is {@link ReleaseSupport}.
 */
@Command(name = "release", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        subcommands = {ReleaseStatusCommand.class},
        description = {"Releases of a stack: which are declared, published and running. See 'release status --help'."})
public final class ReleaseCommand implements Callable<Integer> {

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
