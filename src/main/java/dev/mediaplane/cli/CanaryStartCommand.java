package dev.mediaplane.cli;

import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseMoves;
import dev.mediaplane.ops.release.ReleaseState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code mediaplane canary start}: pin the serving release, run the current render on N nodes. */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Pins the release now serving as mediaplane:releaseStable and sets mediaplane:releaseCanarySize=N in"
                    + " Pulumi.<stack>.yaml (every other line of the file kept byte for byte): after `pulumi up` the"
                    + " instance group runs the current render on N nodes and the stable release on the rest.",
            "Refuses when a canary already runs, N is not smaller than the fleet, the current render is the serving"
                    + " release, or (online) the stable release is not published in the releases bucket.",
            "Online (default) it asks Compute which release the instance group serves and GCS whether its manifest"
                    + " exists, with application default credentials. --offline skips both: then the serving release"
                    + " comes from the pin or --stable, and publication is not checked.",
            "",
            "Examples:",
            "  mediaplane canary start --stack prod --dry-run",
            "  mediaplane canary start --stack prod --size 1 --apply",
            "  mediaplane canary start --stack prod --offline --stable $(pulumi stack output stableRelease --stack prod)"
        })
public final class CanaryStartCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Option(names = "--size", paramLabel = "N", defaultValue = "1",
            description = "Nodes that run the canary (default: ${DEFAULT-VALUE}); must be smaller than the fleet.")
    int size;

    @Option(names = "--stable", paramLabel = "HASH",
            description = "The release now serving, when the stack file does not pin it and Compute is not asked (--offline).")
    String stable;

    @Option(names = "--offline", description = "Ask no Google API: no serving-release lookup, no publication check.")
    boolean offline;

    @Mixin
    MoveOptions move;

    @ParentCommand
    CanaryCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return ReleaseSupport.guarded(spec, () -> {
            ReleaseState s = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
            List<String> checks = new ArrayList<>();
            if (s.canarySize() > 0) {
                // The cheapest refusal first: nothing online is asked when the file already says no.
                ReleaseMoves.canaryStart(s, size, s.stable(), checks);
            }
            String serving = ReleaseChecks.serving(parent.context, s, Optional.ofNullable(stable), offline, checks);
            ReleaseMoves.Move m = ReleaseMoves.canaryStart(s, size, serving, List.of());
            checks.addAll(m.checks());
            if (!offline) {
                ReleaseChecks.requirePublished(parent.context, s, serving, checks);
            } else {
                checks.add("offline: publication of " + ReleaseState.short12(serving) + " not checked");
            }
            m = new ReleaseMoves.Move(m.command(), m.before(), m.changes(), m.after(), checks);
            return ReleaseSupport.finish(spec, parent.context, m, move, output.json);
        });
    }
}
