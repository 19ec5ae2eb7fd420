package dev.mediaplane.cli;

import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseMoves;
import dev.mediaplane.ops.release.ReleaseState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane rollback}: the canary becomes the stable release everywhere. */
@Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Drops the running canary: removes mediaplane:releaseCanarySize from Pulumi.<stack>.yaml and keeps"
                    + " mediaplane:releaseStable, so after `pulumi up` the canary's nodes return to the stable release"
                    + " byte for byte: the same hash, the same bundle objects, the same instance template name.",
            "Refuses when no canary runs. Every other line of the stack file is kept byte for byte.",
            "",
            "Examples:",
            "  mediaplane rollback --stack prod --dry-run",
            "  mediaplane rollback --stack prod --apply"
        })
public final class RollbackCommand implements Callable<Integer> {

    /** The outside world of the release commands; tests replace it before execute. */
    ReleaseContext context = ReleaseContext.system();

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Mixin
    MoveOptions move;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return ReleaseSupport.guarded(spec, () -> {
            ReleaseState s = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
            return ReleaseSupport.finish(spec, context, ReleaseMoves.rollback(s), move, output.json);
        });
    }
}
