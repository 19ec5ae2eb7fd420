package dev.mediaplane.cli;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.secrets.ManagedSecret;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mediaplane secrets}: the node secrets in Secret Manager (rotate, status, disable-old). */
@Command(name = "secrets", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Node secrets in Secret Manager: rotate, status, disable-old.",
        description = {
            "The secrets the program declares (one Secret Manager secret <prefix>-<name> each), on Google's Secret Manager"
                    + " client with application default credentials.",
            "Names: sip-trunk-password, esl-password, tls-certificate, tls-private-key, deepgram-api-key,"
                    + " assemblyai-api-key, signalwire-repo-token (or the full id, or the config key).",
            "",
            "Examples:",
            "  mediaplane secrets status --stack prod",
            "  openssl rand -base64 32 | tr -d '\\n' | mediaplane secrets rotate --stack prod esl-password --inventory nodes.json",
            "  mediaplane secrets disable-old --stack prod esl-password"
        })
public final class SecretsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The {@code secrets} command line with its subcommands, as Cli registers it. */
    static CommandLine line() {
        return new CommandLine(new SecretsCommand())
                .addSubcommand(new CommandLine(new SecretsRotateCommand()))
                .addSubcommand(new CommandLine(new SecretsStatusCommand()))
                .addSubcommand(new CommandLine(new SecretsDisableOldCommand()));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE.code();
    }

    /** The secret NAME names; the error lists the names there are. */
    static ManagedSecret secret(CommandLine cmd, StackConfig c, String name) {
        return ManagedSecret.named(c, name).orElseThrow(() -> new ParameterException(cmd, "NAME must be one of "
                + ManagedSecret.all(c).stream().map(ManagedSecret::name).toList() + " (or its id " + c.prefix()
                + "-<name>), got '" + name + "'"));
    }
}
