package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.config.StackFileLoader;
import com.sun.net.httpserver.HttpServer;
import dev.mediaplane.agent.secrets.SecretRefresher;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import dev.mediaplane.ops.secrets.ManagedSecret;
import dev.mediaplane.ops.secrets.SecretManagerStandIn;
import dev.mediaplane.ops.secrets.SecretStore;
import dev.mediaplane.plan.PlanFixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * secrets rotate, status and disable-old through the CLI factory, on the real Secret Manager
 * client against an in-process stand-in as strict as the API, and node agents' /secrets on loopback. Planted
 * marker values must never reach stdout, stderr, logs, exceptions or argv.
 */
class SecretsCommandTest {

    static final String NEW_ESL = "MARKER-new-esl-Pw0rd-5e1f";
    static final String OLD_ESL = "MARKER-old-esl-Pw0rd-a9b2";
    static final String OPERATOR_PW = "MARKER-operator-pw-77c1";
    static final String OPS = "user:ops@example.com";
    static final String TOKEN = "tok-ops";
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @TempDir
    Path dir;

    SecretManagerStandIn sm;
    String prefix;
    Path operatorFile;
    final List<String> logs = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logs) {
                logs.add(r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()) + " " + r.getThrown());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    record Result(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML + "  mediaplane:fleetSize: 2\n");
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
        var config = StackFileLoader.load(dir, "test").config();
        prefix = config.prefix();
        sm = new SecretManagerStandIn(config.project());
        sm.tokens.put(TOKEN, OPS);
        sm.tokens.put("tok-viewer", "user:viewer@example.com");
        for (ManagedSecret s : ManagedSecret.all(config)) {
            sm.createSecret(s.id(), Duration.ofDays(90), Instant.parse("2027-01-04T03:00:00Z"));
        }
        sm.plant(prefix + "-esl-password", OLD_ESL.getBytes(StandardCharsets.UTF_8), T0.minus(Duration.ofDays(30)));
        sm.grant(null, OPS, SecretManagerStandIn.ROTATOR);
        sm.grant(null, "user:viewer@example.com", SecretManagerStandIn.VIEWER);
        operatorFile = dir.resolve("operator");
        Files.writeString(operatorFile, OPERATOR_PW);
        Files.setPosixFilePermissions(operatorFile, PosixFilePermissions.fromString("rw-------"));
        Logger.getLogger("").addHandler(capture);
        Logger.getLogger("").setLevel(Level.ALL);
    }

    @AfterEach
    void tearDown() throws IOException {
        Logger.getLogger("").removeHandler(capture);
        Logger.getLogger("").setLevel(Level.INFO);
        sm.close();
    }

    Result run(String stdin, boolean terminal, String token, Instant now, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        CommandLine secrets = cli.getSubcommands().get("secrets");
        SecretsRotateCommand rotate = secrets.getSubcommands().get("rotate").getCommand();
        rotate.clients = sm.clients(token);
        rotate.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        rotate.stdinTerminal = terminal;
        rotate.pollInterval = Duration.ofMillis(50);
        SecretsStatusCommand status = secrets.getSubcommands().get("status").getCommand();
        status.clients = sm.clients(token);
        status.clock = Clock.fixed(now, ZoneOffset.UTC);
        SecretsDisableOldCommand disable = secrets.getSubcommands().get("disable-old").getCommand();
        disable.clients = sm.clients(token);
        disable.clock = Clock.fixed(now, ZoneOffset.UTC);
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        for (String a : all) {
            assertFalse(a.contains("MARKER"), "a secret on the command line: " + a);
        }
        int code = cli.execute(all.toArray(String[]::new));
        Result r = new Result(code, out.toString(), err.toString());
        String logged;
        synchronized (logs) {
            logged = String.join("\n", logs);
        }
        String everything = r.out() + r.err() + logged + String.join("\n", sm.calls);
        for (String marker : List.of(NEW_ESL, OLD_ESL, OPERATOR_PW, "MARKER")) {
            assertFalse(everything.contains(marker), "a secret value leaked (" + marker + "):\n" + r + "\nlogs: " + logged);
        }
        return r;
    }

    Result run(String stdin, String... args) {
        return run(stdin, false, TOKEN, T0, args);
    }

    private String id(String name) {
        return prefix + "-" + name;
    }

    @Test
    void rotateAddsAVersionAndReadsExactlyThatVersionBack() {
        Result r = run(NEW_ESL + "\n", "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply", "--json");
        assertEquals(0, r.code(), r.toString());
        assertArrayEquals(NEW_ESL.getBytes(StandardCharsets.UTF_8), sm.data(id("esl-password"), 2), "echo's newline is not part of the password");
        JsonObject j = r.json();
        assertEquals(2, j.get("version").getAsInt());
        assertTrue(j.get("verified").getAsBoolean());
        assertEquals("[1]", j.get("olderEnabled").toString());
        assertEquals(T0.plus(Duration.ofHours(24)).toString(), j.get("disableOldAfter").getAsString());
        assertEquals(List.of("GetSecret " + sm.resource(id("esl-password")), "ListSecretVersions " + sm.resource(id("esl-password")),
                "AddSecretVersion " + sm.resource(id("esl-password")),
                "AccessSecretVersion projects/" + sm.projectNumber + "/secrets/" + id("esl-password") + "/versions/2"), sm.calls);
        assertEquals(SecretVersion.State.ENABLED, sm.state(id("esl-password"), 1), "the old version stays enabled for the grace");
        Result text = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertTrue(text.out().contains("version 3 added and verified; not applied to nodes (--no-apply)"), text.out());
        assertTrue(text.out().contains("older enabled versions [2, 1] stay enabled; after " + T0.plus(Duration.ofHours(24))
                + " (--grace 1d): mediaplane secrets disable-old --stack test esl-password"), text.out());
    }

    @Test
    void withoutVersionsAddTheApiRefusesAndNothingIsAdded() {
        Result r = run(NEW_ESL, false, "tok-viewer", T0, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("Secret Manager AddSecretVersion on " + sm.resource(id("esl-password")) + ": PERMISSION_DENIED:"
                + " Permission 'secretmanager.versions.add' denied for resource '" + sm.resource(id("esl-password"))
                + "' (or it may not exist)."), r.err());
        assertEquals(1, sm.versions(id("esl-password")));
    }

    @Test
    void anUnknownTokenIsUnauthenticated() {
        Result r = run(NEW_ESL, false, "tok-nobody", T0, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("UNAUTHENTICATED: Request had invalid authentication credentials"), r.err());
    }

    @Test
    void aSecretThatDoesNotExistIsNotFoundAndANameOutsideTheProgramIsAUsageError() {
        sm.deleteSecret(id("esl-password"));
        Result r = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("Secret Manager GetSecret on " + sm.resource(id("esl-password")) + ": NOT_FOUND: Secret [projects/"
                + sm.projectNumber + "/secrets/" + id("esl-password") + "] not found."), r.err());
        Result other = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "--no-apply", "mp-nope-esl-password");
        assertEquals(2, other.code(), other.toString());
        assertTrue(other.err().contains("NAME must be one of [sip-trunk-password, esl-password, esl-operator-password, tls-certificate"), other.err());
        assertTrue(other.err().contains("got 'mp-nope-esl-password'"), other.err());
    }

    @Test
    void anInventoryWithoutANodeOfTheStackIsRefusedBeforeAnyCall() throws IOException {
        // Applying to "every node" of an inventory that holds none of the stack's would otherwise report success.
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, "[{\"name\":\"mp-other-node-1\",\"labels\":{\"stack\":\"other\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\"}]}]");
        Result r = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "sip-trunk-password", "--inventory", inv.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(inv + " has no node of stack test (instances labelled stack=test and component=fleet)"), r.err());
        assertEquals(List.of(), sm.calls);
    }

    @Test
    void aTerminalOnStdinOrABadValueIsRefusedBeforeAnyCall() {
        Result r = run("", true, TOKEN, T0, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("refusing to read the value of " + id("esl-password") + " from a terminal"), r.err());
        r = run("MARKER-s", "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("must be 12-256 characters of A-Z a-z 0-9"), r.err());
        r = run("not a pem MARKER", "secrets", "rotate", "--stack", "test", "tls-certificate", "--no-apply");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("must be a PEM certificate"), r.err());
        assertEquals(List.of(), sm.calls);
    }

    /**
     * A node agent's /secrets on a loopback address, in the agent's own document format
     * (SecretRefresher.reportJson): it reports Secret Manager's latest version of each secret applied
     * {@code lag} polls after that version appears (the node's refresh period), or in {@code stuck} state.
     */
    final class AgentStandIn implements AutoCloseable {
        final HttpServer server;
        final AtomicInteger requests = new AtomicInteger();
        volatile int lag;
        volatile String stuck;
        volatile boolean refreshOff;
        final java.util.Map<String, Integer> seenAt = new java.util.concurrent.ConcurrentHashMap<>();

        AgentStandIn(String address, int port) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 8);
            server.createContext("/secrets", ex -> {
                int n = requests.incrementAndGet();
                String body = refreshOff ? "{\"refresh\":\"off\",\"secrets\":{}}" : document(n);
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                try (var o = ex.getResponseBody()) {
                    o.write(b);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private String document(int poll) {
            java.util.Map<String, SecretRefresher.Status> st = new java.util.LinkedHashMap<>();
            for (String name : List.of("sip-trunk-password", "esl-password", "tls-certificate", "tls-private-key")) {
                int latest = sm.versions(id(name));
                int since = seenAt.computeIfAbsent(name + "@" + latest, k -> poll);
                boolean caughtUp = poll - since >= lag;
                if (stuck != null) {
                    st.put(name, new SecretRefresher.Status(Math.max(0, latest - 1), latest, "waiting", stuck));
                } else {
                    st.put(name, new SecretRefresher.Status(caughtUp ? latest : Math.max(0, latest - 1), latest,
                            caughtUp ? "applied" : "installing", caughtUp ? "reloadxml" : "owed: [RELOADXML]"));
                }
            }
            return SecretRefresher.reportJson(st, "2026-12-02T10:00:00Z");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    Path inventory(String... addresses) throws IOException {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < addresses.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"mp-test-node-").append(i + 1)
                    .append("\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},\"networkInterfaces\":[{\"networkIP\":\"")
                    .append(addresses[i]).append("\"}]}");
        }
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, b.append("]").toString());
        return inv;
    }

    @Test
    void dryRunListsEveryCallAndMakesNone() throws IOException {
        Path f = dir.resolve("new");
        Files.writeString(f, NEW_ESL);
        try (AgentStandIn a = new AgentStandIn("127.0.0.1", 0)) {
            Result r = run("", "secrets", "rotate", "--stack", "test", "sip-trunk-password", "--from-file", f.toString(),
                    "--address", "127.0.0.1", "--agent-port", Integer.toString(a.port()), "--dry-run");
            assertEquals(0, r.code(), r.toString());
            String get = "GET http://127.0.0.1:" + a.port() + "/secrets";
            for (String s : List.of(get + " (127.0.0.1: its agent's secret refresh must be on)", "AddSecretVersion projects/",
                    "(" + NEW_ESL.length() + " bytes, with their CRC32C)", get + " every 50ms until sip-trunk-password reports the new"
                            + " version applied, at most 5m", "sofia profile external killgw signalwire + rescan until State REGED",
                    "nothing was changed (--dry-run)")) {
                assertTrue(r.out().contains(s), s + " missing:\n" + r.out());
            }
            assertTrue(r.out().indexOf(get) < r.out().indexOf("AddSecretVersion"), "the nodes are checked before a version is added");
            assertEquals(List.of(), sm.calls);
            assertEquals(0, a.requests.get());
        }
    }

    @Test
    void rotateWaitsUntilEveryNodeReportsTheNewVersionAppliedThenOffersDisableOld() throws IOException {
        try (AgentStandIn one = new AgentStandIn("127.0.0.1", 0); AgentStandIn two = new AgentStandIn("127.0.0.2", one.port())) {
            two.lag = 3;
            Result r = run(NEW_ESL + "\n", "secrets", "rotate", "--stack", "test", "esl-password",
                    "--inventory", inventory("127.0.0.1", "127.0.0.2").toString(), "--agent-port", Integer.toString(one.port()), "--json");
            assertEquals(0, r.code(), r.toString());
            var nodes = r.json().getAsJsonArray("nodes");
            assertEquals(2, nodes.size());
            for (var n : nodes) {
                assertEquals("applied", n.getAsJsonObject().get("status").getAsString(), n.toString());
                assertEquals(2, n.getAsJsonObject().get("version").getAsInt());
            }
            assertTrue(r.json().get("allApplied").getAsBoolean());
            assertTrue(two.requests.get() >= 4, "node 2 was polled until it caught up: " + two.requests.get());
            assertTrue(r.err().contains("secrets rotate: mp-test-node-2 applied version 2 of esl-password"), r.err());
            assertTrue(r.err().contains("secrets rotate: 1/2 nodes at version 2 of esl-password; mp-test-node-2: installing"), r.err());

            Result text = run(NEW_ESL + "x", "secrets", "rotate", "--stack", "test", "esl-password",
                    "--inventory", dir.resolve("nodes.json").toString(), "--agent-port", Integer.toString(one.port()));
            assertEquals(0, text.code(), text.toString());
            assertTrue(text.out().contains("  mp-test-node-1: applied (version 3, applied): reloadxml"), text.out());
            assertTrue(text.out().contains("version 3 added and verified; every node applied it (2)"), text.out());
            assertTrue(text.out().contains("mediaplane secrets disable-old --stack test esl-password"), text.out());
        }
    }

    @Test
    void aCertificateWaitingForCallsIsReportedPerNodeAndTheOldVersionsMustStay() {
        try (AgentStandIn a = new AgentStandIn("127.0.0.1", 0)) {
            a.stuck = "1 call on profile external: the new certificate is in place, the profile restarts once it is idle";
            String pem = "-----BEGIN CERTIFICATE-----\nMARKERcert\n-----END CERTIFICATE-----\n";
            sm.plant(id("tls-certificate"), "-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.UTF_8), T0);
            Result r = run(pem, "secrets", "rotate", "--stack", "test", "tls-certificate", "--address", "127.0.0.1",
                    "--agent-port", Integer.toString(a.port()), "--node-timeout", "1s");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().contains("  127.0.0.1: waiting (version 1, waiting): 1 call on profile external: the new certificate"
                    + " is in place, the profile restarts once it is idle (after 1s)"), r.out());
            assertTrue(r.out().contains("NOT every node applied it"), r.out());
            assertTrue(r.out().contains("older enabled versions [1] stay enabled: do not disable them before every node applied version 2"),
                    r.out());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aNodeWithoutTheRefreshOrUnreachableStopsTheRotationBeforeAVersionIsAdded() throws IOException {
        try (AgentStandIn a = new AgentStandIn("127.0.0.1", 0)) {
            a.refreshOff = true;
            Result r = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--address", "127.0.0.1",
                    "--agent-port", Integer.toString(a.port()));
            assertEquals(69, r.code(), r.toString());
            assertTrue(r.err().contains("127.0.0.1: the node agent's secret refresh is off (node.env has no SECRET_PREFIX")
                    && r.err().endsWith("nothing was changed\n"), r.err());
            int free = a.port();
            a.close();
            Result gone = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--address", "127.0.0.1",
                    "--agent-port", Integer.toString(free));
            assertEquals(69, gone.code(), gone.toString());
            assertTrue(gone.err().contains("GET http://127.0.0.1:" + free + "/secrets: ConnectException"), gone.err());
            assertTrue(gone.err().contains("(run from controller.cidrs inside the VPC)"), gone.err());
        }
        assertEquals(1, sm.versions(id("esl-password")));
        assertFalse(sm.calls.stream().anyMatch(c -> c.startsWith("AddSecretVersion")), sm.calls.toString());
    }

    @Test
    void statusShowsEverySecretWithAgeScheduleAndEnabledVersions() {
        sm.plant(id("esl-password"), "MARKER-v2-xxxxxxxx".getBytes(StandardCharsets.UTF_8), T0.minus(Duration.ofDays(2)));
        sm.setState(id("esl-password"), 1, SecretVersion.State.DISABLED);
        for (String s : List.of("sip-trunk-password", "tls-certificate", "tls-private-key")) {
            sm.plant(id(s), "MARKER-value-xxxx".getBytes(StandardCharsets.UTF_8), T0.minus(Duration.ofHours(5)));
        }
        Result r = run("", false, TOKEN, T0, "secrets", "status", "--stack", "test", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonObject esl = r.json().getAsJsonArray("secrets").get(1).getAsJsonObject();
        assertEquals(id("esl-password"), esl.get("id").getAsString());
        assertEquals(2, esl.get("latestEnabled").getAsInt());
        assertEquals(2 * 86400, esl.get("ageSec").getAsInt());
        assertEquals(90 * 86400, esl.get("rotationPeriodSec").getAsInt());
        assertEquals("2027-01-04T03:00:00Z", esl.get("nextRotation").getAsString());
        assertEquals("[2]", esl.get("enabled").toString());
        assertFalse(esl.get("overdue").getAsBoolean());
        Result text = run("", false, TOKEN, T0, "secrets", "status", "--stack", "test");
        assertTrue(text.out().lines().anyMatch(l -> l.matches(id("esl-password") + " +2 +2d +90d +2027-01-04T03:00:00Z +\\[2\\]")), text.out());
        assertTrue(text.out().contains("no version (feature off)"), text.out());
        Result late = run("", false, TOKEN, Instant.parse("2027-01-05T00:00:00Z"), "secrets", "status", "--stack", "test");
        assertEquals(1, late.code(), "an overdue rotation fails the status");
        assertTrue(late.out().contains("OVERDUE"), late.out());
        Result viewerOnly = run("", false, "tok-viewer", T0, "secrets", "status", "--stack", "test");
        assertEquals(0, viewerOnly.code(), "status needs secrets.get and versions.list only: " + viewerOnly);
        sm.tokens.put("tok-none", "user:none@example.com");
        Result none = run("", false, "tok-none", T0, "secrets", "status", "--stack", "test", "--json");
        assertEquals(69, none.code(), none.toString());
        assertTrue(none.json().getAsJsonArray("secrets").get(0).getAsJsonObject().get("error").getAsString().contains(
                "PERMISSION_DENIED: Permission 'secretmanager.secrets.get' denied for resource '" + sm.resource(id("sip-trunk-password"))
                        + "' (or it may not exist)."), none.out());
    }

    @Test
    void disableOldWaitsForTheGraceThenDisablesAndTheOldValueNoLongerReads() throws Exception {
        run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--no-apply");
        Result early = run("", false, TOKEN, T0.plus(Duration.ofHours(3)), "secrets", "disable-old", "--stack", "test", "esl-password");
        assertEquals(4, early.code(), early.toString());
        assertTrue(early.err().contains("runs until " + T0.plus(Duration.ofHours(24)) + " (--grace 1d"), early.err());
        assertEquals(SecretVersion.State.ENABLED, sm.state(id("esl-password"), 1));
        Result dry = run("", false, TOKEN, T0.plus(Duration.ofHours(25)), "secrets", "disable-old", "--stack", "test", "esl-password",
                "--dry-run");
        assertEquals(0, dry.code());
        assertEquals(SecretVersion.State.ENABLED, sm.state(id("esl-password"), 1));
        Result done = run("", false, TOKEN, T0.plus(Duration.ofHours(25)), "secrets", "disable-old", "--stack", "test", "esl-password",
                "--json");
        assertEquals(0, done.code(), done.toString());
        assertEquals("[1]", done.json().get("disable").toString());
        assertEquals(SecretVersion.State.DISABLED, sm.state(id("esl-password"), 1));
        assertEquals(SecretVersion.State.ENABLED, sm.state(id("esl-password"), 2));
        try (SecretStore store = SecretStore.open(sm.clients(TOKEN), sm.project)) {
            SecretStore.Version old = store.info(id("esl-password")).versions().get(1);
            SecretStore.StoreException e = assertThrows(SecretStore.StoreException.class,
                    () -> store.verify(old, OLD_ESL.getBytes(StandardCharsets.UTF_8)));
            assertEquals("FAILED_PRECONDITION", e.code());
            assertTrue(e.getMessage().endsWith("/versions/1] is in DISABLED state."), e.getMessage());
            assertFalse(e.getMessage().contains("MARKER"));
        }
    }

    @Test
    void helpListsTheExitCodesAndExamples() {
        Result r = run("", "secrets", "rotate", "--help");
        assertTrue(r.out().contains("Examples:") && r.out().contains("4   REFUSED") && r.out().contains("killgw"), r.out());
    }
}
