package dev.mediaplane.ops.release;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.OutputValue;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.WorkspaceStack;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link PulumiRunner} through the Pulumi Java SDK's Automation API ({@code com.pulumi.automation},
 * shipped in com.pulumi:pulumi), which drives the {@code pulumi} binary (>= 3.95) as a subprocess in
 * the project directory: the same {@code Pulumi.yaml} and stack file a person's {@code pulumi up} reads.
 */
public final class AutomationPulumiRunner implements PulumiRunner {

    /** The {@code pulumi} binary on {@code PATH} (as given in {@code env}), if any. */
    public static Optional<Path> onPath(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "pulumi");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public void up(Path projectDir, String stack, Consumer<String> output) {
        try (LocalWorkspace ws = LocalWorkspace.create(LocalWorkspaceOptions.builder().workDir(projectDir).build())) {
            WorkspaceStack s = WorkspaceStack.select(stack, ws);
            s.up(UpOptions.builder().onStandardOutput(output).onStandardError(output).build());
        } catch (AutomationException e) {
            throw new CloudException("pulumi up --stack " + stack + " failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new CloudException("pulumi up --stack " + stack + " failed: " + e, e);
        }
    }

    @Override
    public Optional<String> stableReleaseOutput(Path projectDir, String stack) {
        try (LocalWorkspace ws = LocalWorkspace.create(LocalWorkspaceOptions.builder().workDir(projectDir).build())) {
            OutputValue v = WorkspaceStack.select(stack, ws).getOutputs().get("stableRelease");
            return v == null || !(v.value() instanceof String s) || s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (Exception e) {
            throw new CloudException("pulumi stack output --stack " + stack + " failed: " + e.getMessage(), e);
        }
    }
}
