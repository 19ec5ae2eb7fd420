package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.secrets.ManagedSecret;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import dev.mediaplane.ops.secrets.SecretStore;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mediaplane secrets disable-old}: the step that ends a rotation's grace period. */
@Command(name = "disable-old", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Disable versions older than the latest once the grace is over.",
        description = {
            "Disables every enabled version of <prefix>-NAME older than the latest enabled one, once the latest is older"
                    + " than --grace (DisableSecretVersion with each version's etag; disabled versions can be enabled"
                    + " again, nothing is destroyed). Refuses while the grace runs, saying when it ends.",
            "",
            "Examples:",
            "  mediaplane secrets disable-old --stack prod esl-password",
            "  mediaplane secrets disable-old --stack prod sip-trunk-password --grace 2h --dry-run"
        })
public final class SecretsDisableOldCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", paramLabel = "NAME", description = "The secret (see mediaplane secrets --help).")
    String name;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "24h",
            description = "The latest version must be at least this old (1h..30d; default ${DEFAULT-VALUE}).")
    String grace;

    @Option(names = "--dry-run", description = "Read the versions and print what would be disabled; change nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        ManagedSecret secret = SecretsCommand.secret(cmd, c, name);
        Duration g = DrainCommand.duration(cmd, "--grace", grace, Duration.ofHours(1), Duration.ofDays(30));
        PrintWriter out = cmd.getOut();
        JsonObject json = new JsonObject();
        json.addProperty("command", "secrets disable-old");
        json.addProperty("stack", c.stack());
        json.addProperty("secret", secret.id());
        try (SecretStore store = SecretStore.open(clients, c.project())) {
            SecretStore.Info info = store.info(secret.id());
            var latest = info.latestEnabled();
            if (latest.isEmpty()) {
                return fail(json, secret.id() + " has no enabled version; nothing to keep, nothing disabled", ExitCode.REFUSED);
            }
            List<SecretStore.Version> old = info.enabled().stream().filter(v -> v.number() != latest.get().number()).toList();
            json.addProperty("latestEnabled", latest.get().number());
            JsonArray targets = new JsonArray();
            old.forEach(v -> targets.add(v.number()));
            json.add("disable", targets);
            Instant until = latest.get().created().plus(g);
            Instant now = clock.instant();
            if (old.isEmpty()) {
                json.addProperty("outcome", "nothing to do");
                print(json, secret.id() + ": only version " + latest.get().number() + " is enabled; nothing to disable");
                return ExitCode.OK.code();
            }
            if (now.isBefore(until)) {
                return fail(json, "the grace of " + secret.id() + " version " + latest.get().number() + " runs until " + until
                        + " (--grace " + Durations.format(g) + " from its creation at " + latest.get().created() + "); versions "
                        + old.stream().map(SecretStore.Version::number).toList() + " stay enabled: rerun after that",
                        ExitCode.REFUSED);
            }
            if (dryRun) {
                json.addProperty("dryRun", true);
                print(json, "would call DisableSecretVersion on " + old.stream().map(SecretStore.Version::name).toList()
                        + "\nnothing was changed (--dry-run)");
                return ExitCode.OK.code();
            }
            for (SecretStore.Version v : old) {
                store.disable(v);
            }
            json.addProperty("outcome", "disabled");
            print(json, secret.id() + ": disabled versions " + old.stream().map(SecretStore.Version::number).toList()
                    + "; version " + latest.get().number() + " stays enabled");
            return ExitCode.OK.code();
        } catch (SecretStore.StoreException e) {
            return fail(json, e.getMessage(), ExitCode.UNAVAILABLE);
        }
    }

    private void print(JsonObject json, String text) {
        spec.commandLine().getOut().println(output.json ? DrainCommand.gson(json) : text);
        spec.commandLine().getOut().flush();
    }

    private int fail(JsonObject json, String why, ExitCode code) {
        json.addProperty("outcome", code.name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("detail", why);
        if (output.json) {
            print(json, "");
        }
        spec.commandLine().getErr().println("mediaplane secrets disable-old: " + why);
        spec.commandLine().getErr().flush();
        return code.code();
    }
}
