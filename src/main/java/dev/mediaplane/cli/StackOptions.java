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
        if (!STACK.matcher(stack).matches() || stack.equals(".") || stack.equals("..")) {
            throw new ParameterException(spec.commandLine(), String.format(
                    "--stack must be a stack name (letters, digits, '-', '_', '.'), got '%s'", stack));
        }
        return StackFileLoader.load(projectDir, stack);
    }
}
