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
import dev.mediaplane.ops.node.EslNode;
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
 * client against an in-process stand-in as strict as the API, and nodes speaking ESL. Planted
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
    EslNode node;
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
        node = new EslNode().user("operator@mediaplane", OPERATOR_PW, null).user("controller@mediaplane", OLD_ESL, EslNode.CONTROLLER_API);
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
        node.close();
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
        String everything = r.out() + r.err() + String.join("\n", logs) + String.join("\n", sm.calls);
        for (String marker : List.of(NEW_ESL, OLD_ESL, OPERATOR_PW, "MARKER")) {
            assertFalse(everything.contains(marker), "a secret value leaked (" + marker + "):\n" + r + "\nlogs: " + logs);
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
        assertTrue(other.err().contains("NAME must be one of [sip-trunk-password, esl-password, tls-certificate"), other.err());
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

    @Test
    void dryRunListsEveryCallAndMakesNone() throws IOException {
        Path f = dir.resolve("new");
        Files.writeString(f, NEW_ESL);
        Result r = run("", "secrets", "rotate", "--stack", "test", "sip-trunk-password", "--from-file", f.toString(),
                "--address", "127.0.0.1:" + node.port(), "--dry-run");
        assertEquals(0, r.code(), r.toString());
        for (String s : List.of("AddSecretVersion projects/", "(" + NEW_ESL.length() + " bytes, with their CRC32C)",
                "sofia profile external killgw signalwire", "sofia status gateway signalwire until State REGED",
                "nothing was changed (--dry-run)")) {
            assertTrue(r.out().contains(s), s + " missing:\n" + r.out());
        }
        assertEquals(List.of(), sm.calls);
        assertEquals(List.of(), node.apiCalls);
    }

    /** The node's refresh (docs/operations.md) lands version {@code n} after {@code afterReloads} reloadxml calls. */
    private void nodeRefreshes(String variable, int n, int afterReloads, Runnable onInstall) {
        AtomicInteger reloads = new AtomicInteger();
        String[] current = {""};
        node.otherApi = cmd -> {
            if (cmd.equals("reloadxml")) {
                if (reloads.incrementAndGet() == afterReloads) {
                    current[0] = Integer.toString(n);
                    onInstall.run();
                }
                return "+OK [Success]\n";
            }
            if (cmd.equals("global_getvar " + variable)) {
                return current[0];
            }
            if (cmd.equals("sofia status gateway signalwire")) {
                return "=================================================================================================\n"
                        + "Name    \texternal::signalwire\nProfile \texternal\nState   \tREGED\nStatus  \tUP (ping)\n";
            }
            if (cmd.startsWith("sofia profile external")) {
                return "+OK\n";
            }
            if (cmd.equals("sofia status profile external")) {
                return "Name             \texternal\nCALLS-IN         \t1\nFAILED-CALLS-IN  \t0\nCALLS-OUT        \t0\n";
            }
            return null;
        };
    }

    @Test
    void anEslPasswordReachesTheNodeAndANewControllerLoginProvesIt() throws IOException {
        nodeRefreshes("mp_secret_version_esl_password", 2, 2, () -> node.passwords.put("controller@mediaplane", NEW_ESL));
        Path f = dir.resolve("new");
        Files.writeString(f, NEW_ESL + "\n");
        Result r = run("", "secrets", "rotate", "--stack", "test", "esl-password", "--from-file", f.toString(),
                "--address", "127.0.0.1:" + node.port(), "--esl-user", "operator@mediaplane",
                "--esl-password-file", operatorFile.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonObject n = r.json().getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertEquals("applied", n.get("status").getAsString(), n.toString());
        assertTrue(n.get("detail").getAsString().startsWith("a new login as controller@mediaplane with the new password succeeds"));
        assertEquals("[\"reloadxml\",\"global_getvar mp_secret_version_esl_password\",\"reloadxml\","
                + "\"global_getvar mp_secret_version_esl_password\",\"userauth controller@mediaplane:<new password>\"]",
                n.get("calls").toString());
    }

    @Test
    void aNodeThatNeverRefreshesIsReportedAndTheExitSaysSo() throws IOException {
        nodeRefreshes("mp_secret_version_sip_trunk_password", 2, Integer.MAX_VALUE, () -> { });
        Result r = run("MARKER-trunk-pw-000111", "secrets", "rotate", "--stack", "test", "sip-trunk-password",
                "--address", "127.0.0.1:" + node.port(), "--esl-user", "operator@mediaplane",
                "--esl-password-file", operatorFile.toString(), "--node-timeout", "1s");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("failed: the node reports mp_secret_version_sip_trunk_password='', expected 1 within 1s:"
                + " its secret refresh has not installed the new version"), r.err());
        assertTrue(r.out().contains("NOT every node took it"), r.out());
        assertFalse(node.apiCalls.stream().anyMatch(c -> c.contains("killgw")), "no re-registration before the node has the value");
    }

    @Test
    void aLoginThatCannotDoTheNodeStepsStopsTheRotationBeforeAVersionIsAdded() throws IOException {
        Path controllerFile = dir.resolve("controller");
        Files.writeString(controllerFile, OLD_ESL);
        Files.setPosixFilePermissions(controllerFile, PosixFilePermissions.fromString("rw-------"));
        Result r = run(NEW_ESL, "secrets", "rotate", "--stack", "test", "esl-password", "--address", "127.0.0.1:" + node.port(),
                "--esl-password-file", controllerFile.toString());
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("-ERR permission denied: the ESL login needs reloadxml, global_getvar, sofia, fsctl and show")
                && r.err().endsWith("nothing was changed\n"), r.err());
        assertEquals(1, sm.versions(id("esl-password")));
        assertFalse(sm.calls.stream().anyMatch(c -> c.startsWith("AddSecretVersion")), sm.calls.toString());
    }

    @Test
    void theTrunkPasswordReRegistersTheGateway() {
        nodeRefreshes("mp_secret_version_sip_trunk_password", 1, 1, () -> { });
        Result r = run("MARKER-trunk-pw-000111", "secrets", "rotate", "--stack", "test", "sip-trunk-password",
                "--address", "127.0.0.1:" + node.port(), "--esl-user", "operator@mediaplane",
                "--esl-password-file", operatorFile.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        assertTrue(node.apiCalls.containsAll(List.of("sofia profile external killgw signalwire", "sofia profile external rescan",
                "sofia status gateway signalwire")), node.apiCalls.toString());
    }

    @Test
    void aCertificateIsNotSwappedUnderACall() {
        nodeRefreshes("mp_secret_version_tls_certificate", 1, 1, () -> { });
        String pem = "-----BEGIN CERTIFICATE-----\nMARKERcert\n-----END CERTIFICATE-----\n";
        Result r = run(pem, "secrets", "rotate", "--stack", "test", "tls-certificate", "--address", "127.0.0.1:" + node.port(),
                "--esl-user", "operator@mediaplane", "--esl-password-file", operatorFile.toString(), "--json");
        assertEquals(1, r.code(), r.toString());
        JsonObject n = r.json().getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertEquals("skipped", n.get("status").getAsString());
        assertTrue(n.get("detail").getAsString().startsWith("1 call on profile external: a restart would drop them"), n.toString());
        assertFalse(node.apiCalls.contains("sofia profile external restart"));
        assertFalse(node.paused.get(), "the pause taken for the check is released");
        assertTrue(node.apiCalls.indexOf("fsctl pause inbound") < node.apiCalls.indexOf("sofia status profile external"));
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
