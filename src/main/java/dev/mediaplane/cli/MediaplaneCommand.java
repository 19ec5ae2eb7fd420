package dev.mediaplane.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code mediaplane} command: only dispatches to its subcommands. */
@Command(name = "mediaplane", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Plans and checks the mediaplane FreeSWITCH media plane on GCP, offline.",
            "Deploying is 'pulumi up': Pulumi runs the same program from target/mediaplane.jar."
        })
public final class MediaplaneCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE.code();
    }
}
