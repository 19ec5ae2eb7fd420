package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.secrets.ManagedSecret;
import dev.mediaplane.ops.secrets.NodeSecretWait;
import dev.mediaplane.ops.secrets.SecretManagerClients;
import dev.mediaplane.ops.secrets.SecretStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mediaplane secrets rotate}: a new version, checked, taken by every node without dropping a call. */
@Command(name = "rotate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        header = "Add a secret version, verify it, apply it on every node without dropping a call.",
        description = {
            "Adds a version to Secret Manager secret <prefix>-NAME with the value read from --from-file or stdin (never"
                    + " from the command line; never printed), checked first as boot checks it (passwords: 12-256 safe"
                    + " characters; PEM for the certificate and key). AddSecretVersion carries the value's CRC32C;"
                    + " AccessSecretVersion of that exact version must read back the same SHA-256.",
            "Then every node takes it by itself, without dropping a call: its agent's secret refresh reads versions/latest"
                    + " every mediaplane:secretsRefreshSeconds (node.env SECRET_REFRESH_SECONDS, default 60 s; --node-timeout"
                    + " must exceed it), writes the file boot writes and applies it:"
                    + " sip-trunk-password: reloadxml, sofia profile external killgw signalwire + rescan until REGED;"
                    + " esl-password, esl-operator-password: reloadxml (new controller or operator logins use it, live ESL"
                    + " sessions stay);"
                    + " tls-certificate/-key: sofia profile external restart once the profile has no call (waits, with a log"
                    + " line per refresh, while calls are up); API keys: the file only; signalwire-repo-token: nothing.",
            "This command waits (--node-timeout) until every node reports the new version applied on GET /secrets of its"
                    + " health port (fleet.healthPort, open to controller.cidrs), and reports per node.",
            "Older versions stay enabled (nodes booting or refreshing late still read them) until"
                    + " 'secrets disable-old' after --grace.",
            "Where it runs: Secret Manager from anywhere with credentials; the wait from inside the VPC (controller.cidrs).",
            "Scheduled rotation: Secret Manager publishes SECRET_ROTATE to the rotation topic at nextRotationTime; the job"
                    + " that answers it (it has the new value, e.g. from the trunk provider) runs this command.",
            "",
            "Examples:",
            "  mediaplane secrets rotate --stack prod esl-password --from-file new.txt --inventory nodes.json",
            "  vault read -field=pw secret/trunk | mediaplane secrets rotate --stack prod sip-trunk-password --no-apply",
            "  mediaplane secrets rotate --stack prod tls-certificate --from-file cert.pem --address 10.42.0.7 --dry-run"
        })
public final class SecretsRotateCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "gcloud compute instances list JSON; every node of --stack in it must apply the version.")
    Path inventory;

    @Option(names = "--address", paramLabel = "HOST", description = "One node's internal address (instead of --inventory).")
    String address;

    @Parameters(index = "0", paramLabel = "NAME", description = "The secret (see mediaplane secrets --help).")
    String name;

    @Option(names = "--from-file", paramLabel = "FILE", description = "Read the new value from FILE (else from stdin, which must not be a terminal).")
    Path fromFile;

    @Option(names = "--no-apply", description = "Only add and verify the version; do not wait for the nodes (their refresh still takes it).")
    boolean noApply;

    @Option(names = "--node-timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long every node gets to report the version applied: a refresh period, the apply, and for a"
                    + " certificate the wait for an idle profile (1s..24h; default ${DEFAULT-VALUE}).")
    String nodeTimeout;

    @Option(names = "--agent-port", paramLabel = "PORT",
            description = "The node agent's health port that answers /secrets (default: the stack's fleet.healthPort).")
    Integer agentPort;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "24h",
            description = "How long older versions stay enabled, reported for disable-old (1h..30d; default ${DEFAULT-VALUE}).")
    String grace;

    @Option(names = "--dry-run", description = "Check the value and print every call; call nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** Test seams. */
    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    InputStream stdin = System.in;
    Boolean stdinTerminal;
    Clock clock = Clock.systemUTC();
    Duration pollInterval = Duration.ofSeconds(5);

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        ManagedSecret secret = SecretsCommand.secret(cmd, c, name);
        Duration g = DrainCommand.duration(cmd, "--grace", grace, Duration.ofHours(1), Duration.ofDays(30));
        Duration nt = DrainCommand.duration(cmd, "--node-timeout", nodeTimeout, Duration.ofSeconds(1), Duration.ofHours(24));
        List<NodeTarget> nodes = List.of();
        int port = agentPort != null ? agentPort : c.fleet().healthPort();
        if (port < 1 || port > 65535) {
            throw new ParameterException(cmd, "--agent-port must be a TCP port 1..65535, got " + port);
        }
        if (!noApply && secret.apply() != ManagedSecret.Apply.BOOT_ONLY) {
            nodes = nodes(cmd, c.stack(), secret);
        }
        NodeSecretWait wait = new NodeSecretWait(new NodeSecretWait.Settings(nt, pollInterval, port), System::nanoTime,
                d -> Thread.sleep(d.toMillis()));
        JsonObject json = new JsonObject();
        json.addProperty("command", "secrets rotate");
        json.addProperty("stack", c.stack());
        json.addProperty("secret", secret.id());
        json.addProperty("apply", secret.apply().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));

        byte[] value;
        if (fromFile == null && (stdinTerminal != null ? stdinTerminal : System.console() != null)) {
            return fail(json, "refusing to read the value of " + secret.id() + " from a terminal (it would echo and stay"
                    + " in scrollback); pipe it in or use --from-file FILE", ExitCode.REFUSED);
        }
        try {
            value = fromFile != null ? Files.readAllBytes(fromFile) : stdin.readAllBytes();
        } catch (IOException e) {
            throw new ParameterException(cmd, "cannot read the new value from " + (fromFile != null ? "--from-file " + fromFile
                    : "stdin") + ": " + e.getClass().getSimpleName());
        }
        value = secret.normalise(value);
        String problem = secret.check(value);
        if (problem != null) {
            return fail(json, "the new value of " + secret.id() + " " + problem + "; nothing was changed", ExitCode.REFUSED);
        }
        String resource = "projects/" + c.project() + "/secrets/" + secret.id();
        PrintWriter out = cmd.getOut();
        if (dryRun) {
            List<String> calls = new ArrayList<>();
            for (NodeTarget n : nodes) {
                calls.add("GET " + wait.uri(n) + " (" + n.name() + ": its agent's secret refresh must be on)");
            }
            calls.add("GetSecret + ListSecretVersions " + resource + " (the versions enabled now)");
            calls.add("AddSecretVersion " + resource + " (" + value.length + " bytes, with their CRC32C)");
            calls.add("AccessSecretVersion " + resource + "/versions/<new> (SHA-256 must match)");
            for (NodeTarget n : nodes) {
                calls.add("GET " + wait.uri(n) + " every " + Durations.format(pollInterval) + " until " + secret.name()
                        + " reports the new version applied, at most " + Durations.format(nt) + " (" + n.name() + " does: "
                        + NodeSecretWait.how(secret) + ")");
            }
            json.addProperty("dryRun", true);
            JsonArray a = new JsonArray();
            calls.forEach(a::add);
            json.add("calls", a);
            if (output.json) {
                out.println(DrainCommand.gson(json));
            } else {
                out.println("secrets rotate " + secret.id() + " would call:");
                calls.forEach(s -> out.println("  " + s));
                out.println("nothing was changed (--dry-run)");
            }
            out.flush();
            return ExitCode.OK.code();
        }

        Progress progress = new Progress(cmd.getErr(), Progress.terminal(), 1);
        // Every node's agent must answer with its refresh on first: a version no node would take is not added.
        for (var e : wait.current(nodes, secret).entrySet()) {
            NodeSecretWait.Result r = e.getValue();
            if (r.status() == NodeSecretWait.Status.UNREACHABLE || r.state().equals("refresh off")) {
                Arrays.fill(value, (byte) 0);
                return fail(json, e.getKey().name() + ": " + r.detail() + "; nothing was changed", ExitCode.UNAVAILABLE);
            }
            progress.step("secrets rotate: " + e.getKey().name() + " has version " + r.version() + " of " + secret.name() + " (" + r.state() + ")");
        }
        SecretStore.Version added;
        List<SecretStore.Version> older;
        try (SecretStore store = SecretStore.open(clients, c.project())) {
            older = store.info(secret.id()).enabled();
            added = store.add(secret.id(), value);
            progress.step("secrets rotate: added " + added.name());
            store.verify(added, value);
            progress.step("secrets rotate: " + added.name() + " reads back the same SHA-256");
        } catch (SecretStore.StoreException e) {
            Arrays.fill(value, (byte) 0);
            return fail(json, e.getMessage(), ExitCode.UNAVAILABLE);
        }
        json.addProperty("version", added.number());
        json.addProperty("verified", true);
        Arrays.fill(value, (byte) 0);
        JsonArray results = new JsonArray();
        boolean allTook = true;
        if (!nodes.isEmpty()) {
            progress.step("secrets rotate: waiting for " + nodes.size() + " node" + (nodes.size() == 1 ? "" : "s")
                    + " to apply version " + added.number() + " (" + NodeSecretWait.how(secret) + ")");
            for (NodeSecretWait.Result r : wait.await(nodes, secret, added.number(), progress)) {
                allTook &= r.status() == NodeSecretWait.Status.APPLIED;
                JsonObject o = new JsonObject();
                o.addProperty("node", r.node());
                o.addProperty("status", r.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                o.addProperty("version", r.version());
                o.addProperty("state", r.state());
                o.addProperty("detail", r.detail());
                results.add(o);
                if (!output.json) {
                    out.printf("  %s: %s (version %d, %s)%s%n", r.node(), r.status().name().toLowerCase(java.util.Locale.ROOT),
                            r.version(), r.state(), r.detail().isEmpty() ? "" : ": " + r.detail());
                }
            }
        }
        json.add("nodes", results);
        json.addProperty("allApplied", allTook);
        Instant disableAfter = added.created().plus(g);
        JsonArray old = new JsonArray();
        older.forEach(v -> old.add(v.number()));
        json.add("olderEnabled", old);
        json.addProperty("disableOldAfter", disableAfter.toString());
        if (output.json) {
            out.println(DrainCommand.gson(json));
        } else {
            out.printf("secrets rotate %s: version %d added and verified%s%n", secret.id(), added.number(),
                    nodes.isEmpty() ? (noApply ? "; not applied to nodes (--no-apply)" : "; nothing to apply on nodes")
                            : allTook ? "; every node applied it (" + nodes.size() + ")" : "; NOT every node applied it (see above)");
            if (!older.isEmpty() && !allTook) {
                out.printf("older enabled versions %s stay enabled: do not disable them before every node applied version %d%n",
                        older.stream().map(SecretStore.Version::number).toList(), added.number());
            } else if (!older.isEmpty()) {
                out.printf("older enabled versions %s stay enabled; after %s (--grace %s): mediaplane secrets disable-old --stack %s %s%n",
                        older.stream().map(SecretStore.Version::number).toList(), disableAfter, Durations.format(g), c.stack(),
                        secret.name());
            }
        }
        out.flush();
        return allTook ? ExitCode.OK.code() : ExitCode.FAILED.code();
    }

    /** The node of --address, or every node of the stack in --inventory (none there is a usage error, never "done"). */
    private List<NodeTarget> nodes(CommandLine cmd, String stack, ManagedSecret secret) throws IOException {
        if (address != null && inventory != null) {
            throw new ParameterException(cmd, "give --address HOST or --inventory FILE, not both");
        }
        if (address != null) {
            if (!address.matches("[A-Za-z0-9.-]+|\\[?[0-9A-Fa-f:.]+]?")) {
                throw new ParameterException(cmd, "--address must be a host name or IP address (the agent's port is"
                        + " --agent-port), got '" + address + "'");
            }
            String host = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
            return List.of(new NodeTarget(host, host, java.util.Optional.empty()));
        }
        if (inventory == null) {
            throw new ParameterException(cmd, "give the nodes that must take " + secret.name() + " (--inventory FILE from: "
                    + NodeTarget.inventoryCommand(stack) + ", or --address HOST), or --no-apply");
        }
        List<NodeTarget> nodes = NodeTarget.inventory(inventory, stack);
        if (nodes.isEmpty()) {
            throw new ParameterException(cmd, inventory + " has no node of stack " + stack + " (instances labelled"
                    + " stack=" + stack + " and component=fleet); from: " + NodeTarget.inventoryCommand(stack));
        }
        return nodes;
    }

    private int fail(JsonObject json, String why, ExitCode code) {
        json.addProperty("outcome", code.name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("detail", why);
        if (output.json) {
            spec.commandLine().getOut().println(DrainCommand.gson(json));
            spec.commandLine().getOut().flush();
        }
        spec.commandLine().getErr().println("mediaplane secrets rotate: " + why);
        spec.commandLine().getErr().flush();
        return code.code();
    }
}
