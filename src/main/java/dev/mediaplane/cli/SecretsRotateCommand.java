package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.ops.Durations;
import dev.mediaplane.ops.Progress;
import dev.mediaplane.ops.node.EslLogin;
import dev.mediaplane.ops.node.NodeTarget;
import dev.mediaplane.ops.secrets.ManagedSecret;
import dev.mediaplane.ops.secrets.NodeSecretApply;
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
            "Then every node takes it without dropping a call: reloadxml until global_getvar"
                    + " mp_secret_version_<name> shows the new number (the node's secret refresh installed it), then"
                    + " sip-trunk-password: sofia profile external killgw signalwire + rescan until REGED;"
                    + " esl-password: a new controller login with it (live ESL sessions stay);"
                    + " tls-certificate/-key: sofia profile external restart only with no call on the profile, else"
                    + " skipped and reported; API keys: nothing (read per connection); signalwire-repo-token: nothing.",
            "Older versions stay enabled (nodes booting or refreshing late still read them) until"
                    + " 'secrets disable-old' after --grace.",
            "Where it runs: Secret Manager from anywhere with credentials; the node steps over ESL from inside the VPC"
                    + " (controller.cidrs), with a login allowed reloadxml, global_getvar, sofia, fsctl and show.",
            "",
            "Examples:",
            "  mediaplane secrets rotate --stack prod esl-password --from-file new.txt --inventory nodes.json"
                    + " --esl-user operator@mediaplane --esl-password-file ~/.mediaplane/operator",
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

    @Mixin
    DrainCommand.NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "The secret (see mediaplane secrets --help).")
    String name;

    @Option(names = "--from-file", paramLabel = "FILE", description = "Read the new value from FILE (else from stdin, which must not be a terminal).")
    Path fromFile;

    @Option(names = "--no-apply", description = "Only add and verify the version; leave the nodes (boot and the node refresh read it).")
    boolean noApply;

    @Option(names = "--node-timeout", paramLabel = "DURATION", defaultValue = "2m",
            description = "Per node: how long for the refresh to show the version and the gateway/profile to return (1s..30m; default ${DEFAULT-VALUE}).")
    String nodeTimeout;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "24h",
            description = "How long older versions stay enabled, reported for disable-old (1h..30d; default ${DEFAULT-VALUE}).")
    String grace;

    @Option(names = "--controller-user", paramLabel = "USER@DOMAIN", defaultValue = "controller@mediaplane",
            description = "The user whose login proves a new esl-password took (default ${DEFAULT-VALUE}).")
    String controllerUser;

    @Option(names = "--dry-run", description = "Check the value and print every call; call nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** Test seams. */
    SecretManagerClients clients = SecretManagerClients.applicationDefault();
    InputStream stdin = System.in;
    Boolean stdinTerminal;
    Clock clock = Clock.systemUTC();
    Duration pollInterval = Duration.ofSeconds(2);

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        StackConfig c = stack.load().config();
        ManagedSecret secret = SecretsCommand.secret(cmd, c, name);
        Duration g = DrainCommand.duration(cmd, "--grace", grace, Duration.ofHours(1), Duration.ofDays(30));
        Duration nt = DrainCommand.duration(cmd, "--node-timeout", nodeTimeout, Duration.ofSeconds(1), Duration.ofMinutes(30));
        List<NodeTarget> nodes = List.of();
        int eslPort = c.controller().eslPort();
        if (!noApply && secret.apply() != ManagedSecret.Apply.BOOT_ONLY) {
            DrainCommand.Fleet fleet = nodeOptions.all(cmd, c, "give the nodes to apply " + secret.name() + " to (--inventory"
                    + " FILE from: " + NodeTarget.inventoryCommand(c.stack()) + ", or --address HOST[:PORT]), or --no-apply");
            nodes = fleet.nodes();
            eslPort = fleet.eslPort();
        }
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
            calls.add("GetSecret + ListSecretVersions " + resource + " (the versions enabled now)");
            calls.add("AddSecretVersion " + resource + " (" + value.length + " bytes, with their CRC32C)");
            calls.add("AccessSecretVersion " + resource + "/versions/<new> (SHA-256 must match)");
            for (NodeTarget n : nodes) {
                for (String s : NodeSecretApply.plan(secret, -1)) {
                    calls.add(n.name() + " (ESL " + n.internal() + ":" + eslPort + "): " + s);
                }
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

        EslCredentials operator = null;
        if (!nodes.isEmpty()) {
            EslLogin login = nodeOptions.login(c, clients);
            try {
                operator = login.credentials(nodes.get(0).internal(), eslPort);
            } catch (EslLogin.LoginUnavailable e) {
                return fail(json, e.getMessage() + "; nothing was changed", ExitCode.UNAVAILABLE);
            }
        }
        Progress progress = new Progress(cmd.getErr(), false, 1);
        NodeSecretApply apply = new NodeSecretApply(new NodeSecretApply.Settings(nt, pollInterval, controllerUser,
                EslConnection.Settings.defaults()), System::nanoTime, d -> Thread.sleep(d.toMillis()));
        for (NodeTarget n : nodes) {
            // Every node must answer the login first: a version no node can take is not added.
            String why = apply.preflight(new EslCredentials(n.internal(), eslPort, operator.user(), operator.password()), secret);
            if (why != null) {
                Arrays.fill(value, (byte) 0);
                return fail(json, n.name() + ": " + why + "; nothing was changed", ExitCode.UNAVAILABLE);
            }
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
        JsonArray results = new JsonArray();
        boolean allTook = true;
        for (NodeTarget n : nodes) {
            progress.step("secrets rotate: applying version " + added.number() + " on " + n.name());
            EslCredentials at = new EslCredentials(n.internal(), eslPort, operator.user(), operator.password());
            NodeSecretApply.Result r = apply.apply(n.name(), at, secret, added.number(), value);
            allTook &= r.status() == NodeSecretApply.Status.APPLIED || r.status() == NodeSecretApply.Status.NOT_NEEDED;
            JsonObject o = new JsonObject();
            o.addProperty("node", n.name());
            o.addProperty("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
            o.addProperty("detail", r.detail());
            JsonArray calls = new JsonArray();
            r.calls().forEach(calls::add);
            o.add("calls", calls);
            results.add(o);
            progress.step("secrets rotate: " + n.name() + ": " + r.status().name().toLowerCase(java.util.Locale.ROOT) + ": " + r.detail());
        }
        Arrays.fill(value, (byte) 0);
        json.add("nodes", results);
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
                            : allTook ? "; every node took it (" + nodes.size() + ")" : "; NOT every node took it (see above)");
            if (!older.isEmpty()) {
                out.printf("older enabled versions %s stay enabled; after %s (--grace %s): mediaplane secrets disable-old --stack %s %s%n",
                        older.stream().map(SecretStore.Version::number).toList(), disableAfter, Durations.format(g), c.stack(),
                        secret.name());
            }
        }
        out.flush();
        return allTook ? ExitCode.OK.code() : ExitCode.FAILED.code();
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
