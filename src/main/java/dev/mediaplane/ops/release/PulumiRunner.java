package dev.mediaplane.ops.release;

import java.nio.file.Path;
import java.util.function.Consumer;

/** Runs {@code pulumi up} on a stack after a release edit. */
public interface PulumiRunner {

    /** Runs {@code pulumi up --stack stack} in {@code projectDir}, streaming its output lines; throws on failure. */
    void up(Path projectDir, String stack, Consumer<String> output);

    /** The release now serving, as the stack's last update exported it ({@code stableRelease}); empty when unknown. */
    java.util.Optional<String> stableReleaseOutput(Path projectDir, String stack);

    /** The command a person runs instead, exactly. */
    static String upCommand(Path projectDir, String stack) {
        return "pulumi up --stack " + stack + " --cwd " + projectDir.toAbsolutePath().normalize();
    }
}
