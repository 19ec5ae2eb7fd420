package dev.mediaplane.cli;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Which stack, and where its {@code Pulumi.<stack>.yaml} lives. */
public final class StackOptions {

    /** Pulumi's own rule for stack names; it also keeps the name from escaping the project dir. */
    private static final Pattern STACK = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = {"-s", "--stack"}, required = true, paramLabel = "STACK",
            description = "Stack name; reads Pulumi.<STACK>.yaml from the project directory.")
    private String stack;

    @Option(names = "--project-dir", paramLabel = "DIR", defaultValue = ".",
            description = "Directory holding Pulumi.yaml and the stack files (default: ${DEFAULT-VALUE}).")
    private Path projectDir;

    /** Reads and validates the stack file; throws ConfigException listing every problem. */
    LoadedConfig load() {
        return StackFileLoader.load(projectDir, stackName());
    }

    /**
     * The stack's name: {@code --stack} as given, or the last part of Pulumi's fully qualified
     * {@code org/project/stack} (or {@code org/stack}); the file is {@code Pulumi.<stack>.yaml} either way.
     */
    String stackName() {
        return stackName(spec.commandLine(), stack, projectDir);
    }

    /** {@link #stackName()} for any {@code --stack} value; diff takes several. */
    static String stackName(picocli.CommandLine cmd, String stack, Path projectDir) {
        String[] parts = stack.split("/", -1);
        String name = parts[parts.length - 1];
        // Each part follows Pulumi's rule; '.' and '..' would let the name escape the project directory.
        if (parts.length > 3 || !java.util.Arrays.stream(parts)
                .allMatch(p -> STACK.matcher(p).matches() && !p.equals(".") && !p.equals(".."))) {
            throw new ParameterException(cmd, String.format(
                    "--stack must be a stack name (letters, digits, '-', '_', '.') or ORG/PROJECT/STACK, got '%s'", stack));
        }
        if (parts.length == 3) {
            String project = projectName(projectDir);
            if (project != null && !project.equals(parts[1])) {
                throw new ParameterException(cmd, String.format(
                        "--stack '%s' names project '%s', but %s is project '%s'", stack, parts[1],
                        projectDir.resolve("Pulumi.yaml"), project));
            }
        }
        return name;
    }

    /** The {@code name:} of Pulumi.yaml, or null when it cannot be read (the stack file's errors say more). */
    private static String projectName(Path projectDir) {
        try {
            // Read as YAML (the same reader as the stack files), so a quoted name is the name.
            Object doc = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                    .loadFromString(java.nio.file.Files.readString(projectDir.resolve("Pulumi.yaml")));
            return doc instanceof java.util.Map<?, ?> m && m.get("name") instanceof String n ? n : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
