package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.secrets.ManagedSecret;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import dev.mediaplane.ops.secrets.SecretStore;
import dev.mediaplane.render.NodeContract;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane secrets status}: every declared secret's versions, age and rotation schedule. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Every declared secret: latest version, age, rotation schedule.",
        description = {
            "For every secret the program declares: its latest enabled version, that version's age, the versions"
                    + " enabled, and Secret Manager's rotation schedule (rotation_period, next_rotation_time; at that"
                    + " time Secret Manager publishes SECRET_ROTATE to the secret's notice topic). GetSecret and"
                    + " ListSecretVersions only: reads no value, changes nothing (so there is no --dry-run).",
            "Exit 1 when a secret boot requires has no enabled version, or a rotation is overdue.",
            "",
            "Examples:",
            "  mediaplane secrets status --stack prod",
            "  mediaplane secrets status --stack prod --json | jq '.secrets[] | select(.overdue)'"
        })
public final class SecretsStatusCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        StackConfig c = stack.load().config();
        Instant now = clock.instant();
        JsonArray rows = new JsonArray();
        boolean bad = false;
        boolean refused = false;
        StringBuilder text = new StringBuilder();
        text.append(String.format("%-40s %-8s %-10s %-9s %-21s %s%n", "SECRET", "LATEST", "AGE", "ROTATION", "NEXT ROTATION", "ENABLED"));
        try (SecretStore store = SecretStore.open(clients, c.project())) {
            for (ManagedSecret s : ManagedSecret.all(c)) {
                JsonObject o = new JsonObject();
                o.addProperty("name", s.name());
                o.addProperty("id", s.id());
                o.addProperty("need", s.contract().need().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                SecretStore.Info info;
                try {
                    info = store.info(s.id());
                } catch (SecretStore.StoreException e) {
                    o.addProperty("error", e.getMessage());
                    rows.add(o);
                    refused |= !e.code().equals("NOT_FOUND");
                    bad |= s.contract().need() == NodeContract.Need.REQUIRED;
                    text.append(String.format("%-40s %s%n", s.id(), e.code().equals("NOT_FOUND") ? "missing: " + e.getMessage()
                            : "not readable: " + e.getMessage()));
                    continue;
                }
                var latest = info.latestEnabled();
                String latestText = latest.map(v -> Integer.toString(v.number())).orElse("none");
                String age = latest.map(v -> age(Duration.between(v.created(), now))).orElse("-");
                boolean overdue = info.nextRotation().map(now::isAfter).orElse(false);
                latest.ifPresent(v -> {
                    o.addProperty("latestEnabled", v.number());
                    o.addProperty("created", v.created().toString());
                    o.addProperty("ageSec", Duration.between(v.created(), now).toSeconds());
                });
                info.rotationPeriod().ifPresent(p -> o.addProperty("rotationPeriodSec", p.toSeconds()));
                info.nextRotation().ifPresent(t -> o.addProperty("nextRotation", t.toString()));
                o.addProperty("overdue", overdue);
                JsonArray enabled = new JsonArray();
                info.enabled().forEach(v -> enabled.add(v.number()));
                o.add("enabled", enabled);
                JsonArray topics = new JsonArray();
                info.topics().forEach(topics::add);
                o.add("topics", topics);
                rows.add(o);
                bad |= overdue || (latest.isEmpty() && s.contract().need() == NodeContract.Need.REQUIRED);
                text.append(String.format("%-40s %-8s %-10s %-9s %-21s %s%s%n", s.id(), latestText, age,
                        info.rotationPeriod().map(Durations::format).orElse("none"),
                        info.nextRotation().map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).orElse("-"),
                        info.enabled().stream().map(SecretStore.Version::number).toList(),
                        overdue ? "  OVERDUE" : latest.isEmpty() ? (s.contract().need() == NodeContract.Need.REQUIRED
                                ? "  NO VERSION (boot fails)" : "  no version (feature off)") : ""));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            JsonObject j = new JsonObject();
            j.addProperty("command", "secrets status");
            j.addProperty("stack", c.stack());
            j.addProperty("at", now.toString());
            j.add("secrets", rows);
            out.println(DrainCommand.gson(j));
        } else {
            out.print(text);
        }
        out.flush();
        return refused ? ExitCode.UNAVAILABLE.code() : bad ? ExitCode.FAILED.code() : ExitCode.OK.code();
    }

    /** Days and hours past a day, minutes below: "12d3h", "5h20m", "42s". */
    static String age(Duration d) {
        if (d.isNegative()) {
            return "0s";
        }
        Duration t = d.toDays() > 0 ? d.truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                : d.toMinutes() > 0 ? d.truncatedTo(java.time.temporal.ChronoUnit.MINUTES) : d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return t.isZero() ? "0s" : Durations.format(t);
    }
}
