package dev.mediaplane;

import com.pulumi.Pulumi;
import dev.mediaplane.cli.Cli;
import dev.mediaplane.config.PulumiConfigLoader;
import dev.mediaplane.infra.MediaPlaneProgram;

/**
 * One jar, two entry points: the Pulumi language host runs it (PULUMI_MONITOR set, no
 * arguments) as the program behind {@code pulumi up}; anyone else gets the CLI.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        if (System.getenv("PULUMI_MONITOR") != null && args.length == 0) {
            Pulumi.run(ctx -> MediaPlaneProgram.define(ctx, PulumiConfigLoader.load(ctx)));
            return;
        }
        System.exit(Cli.execute(args));
    }
}
