package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.plan.PlanFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** drain and undrain through the CLI factory against a loopback node speaking the ESL text protocol. */
class DrainCommandTest {

    static final String PASSWORD = "MARKER-esl-operator-7f3a9c";
    static final String OPERATOR = "operator@mediaplane";

    @TempDir
    Path dir;

    EslNode node;
    Path passwordFile;

    record Result(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        node = new EslNode()
                .user(OPERATOR, PASSWORD, Set.of("fsctl", "show", "status"))
                .user("controller@mediaplane", PASSWORD, EslNode.CONTROLLER_API);
        stack(3);
        passwordFile = dir.resolve("esl-password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void tearDown() throws IOException {
        node.close();
    }

    private void stack(int size) throws IOException {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML + "  mediaplane:fleetSize: " + size + "\n");
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        Object drain = cli.getSubcommands().get("drain").getCommand();
        ((DrainCommand) drain).tty = false;
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        int code = cli.execute(all.toArray(String[]::new));
        Result r = new Result(code, out.toString(), err.toString());
        assertFalse(r.out().contains(PASSWORD) || r.err().contains(PASSWORD), "the ESL password leaked:\n" + r);
        return r;
    }

    private String[] drain(String... extra) {
        List<String> a = new ArrayList<>(List.of("drain", "--stack", "test", "--address", "127.0.0.1:" + node.port(),
                "--node", "mp-test-node-1", "--esl-password-file", passwordFile.toString(), "--interval", "100ms"));
        a.addAll(List.of(extra));
        if (!a.contains("--esl-user")) {
            a.addAll(List.of("--esl-user", OPERATOR));
        }
        return a.toArray(String[]::new);
    }

    /** Ends one channel every {@code everyMs} in the background, as hung-up calls do. */
    private Thread hangUpEvery(long everyMs) {
        Thread t = new Thread(() -> {
            try {
                while (node.channels.get() > 0) {
                    Thread.sleep(everyMs);
                    node.channels.decrementAndGet();
                }
            } catch (InterruptedException ignored) {
                // test over
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void pausesFirstThenCountsChannelsDownToZero() throws Exception {
        node.channels.set(4);
        node.beforeApi = cmd -> {
            if (cmd.equals("fsctl pause inbound")) {
                hangUpEvery(150); // calls end only once the drain is under way, however slow the machine
            }
            return true;
        };
        Result r = run(drain("--timeout", "20s"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(node.paused.get(), "inbound must stay paused after a drain");
        assertTrue(r.out().startsWith("drain mp-test-node-1: drained (no channel left; 4 channels at start"), r.out());
        // The order of the node's drain script: pause, check readiness' own signal, then count.
        List<String> calls = List.copyOf(node.apiCalls);
        int pause = calls.indexOf("fsctl pause inbound");
        assertTrue(pause >= 0 && calls.indexOf("fsctl pause_check inbound") == pause + 1, calls.toString());
        assertEquals("show channels count", calls.get(pause + 2), calls.toString());
        assertTrue(r.err().contains("inbound calls paused on 127.0.0.1:" + node.port()), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("drain mp-test-node-1: [1-3] channels? \\(\\d calls?\\) up, .*")), r.err());
        assertTrue(r.err().contains("drain mp-test-node-1: 0 channels (0 calls) up"), r.err());
    }

    @Test
    void aTimeoutLeavesCallsUpAndSaysSo() {
        node.channels.set(2);
        Result r = run(drain("--timeout", "1s", "--json"));
        assertEquals(1, r.code(), r.toString());
        JsonObject j = r.json();
        assertEquals("timed_out", j.get("outcome").getAsString());
        assertEquals(2, j.get("channelsAtStart").getAsInt());
        assertEquals(2, j.get("channelsAtEnd").getAsInt());
        assertEquals(1, j.get("timeoutSec").getAsInt());
        assertTrue(j.get("elapsedMs").getAsLong() >= 1000, j.toString());
        assertEquals("127.0.0.1:" + node.port(), j.get("esl").getAsString());
        assertTrue(node.paused.get());
        assertEquals(2, node.channels.get(), "a drain never hangs up calls");
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingEitherPassword() throws IOException {
        Files.writeString(passwordFile, "MARKER-wrong-password-11\n");
        Result r = run(drain());
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("FreeSWITCH rejected user operator@mediaplane at 127.0.0.1:" + node.port() + " (-ERR invalid)"), r.err());
        assertFalse(r.err().contains("MARKER-wrong-password-11"), r.err());
        assertFalse(node.paused.get());
        assertEquals(1, node.refusedLogins.get());
    }

    @Test
    void theControllerLoginMayNotPauseAndNothingChanges() {
        node.channels.set(1);
        Result r = run(drain("--esl-user", "controller@mediaplane", "--json"));
        assertEquals(69, r.code(), r.toString());
        assertEquals("unreachable", r.json().get("outcome").getAsString());
        assertTrue(r.err().contains("-ERR permission denied") && r.err().contains("may not run 'fsctl'"), r.err());
        assertFalse(node.paused.get());
    }

    @Test
    void aConnectionCutMidDrainIsReopenedAndThePauseCheckedAgain() {
        node.channels.set(3);
        AtomicInteger counts = new AtomicInteger();
        node.beforeApi = cmd -> {
            if (cmd.equals("fsctl pause inbound")) {
                hangUpEvery(200);
            }
            return !(cmd.equals("show channels count") && counts.incrementAndGet() == 3);
        };
        Result r = run(drain("--timeout", "20s", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("drained", r.json().get("outcome").getAsString());
        assertEquals(1, r.json().get("reconnects").getAsInt());
        assertTrue(r.err().contains("lost ESL to 127.0.0.1:" + node.port()), r.err());
        assertTrue(r.err().contains("inbound still paused"), r.err());
        assertEquals(2, node.logins.get());
    }

    @Test
    void aNodeThatLostThePauseWhileCutOffIsNotCalledDrained() {
        node.channels.set(3);
        AtomicInteger counts = new AtomicInteger();
        node.beforeApi = cmd -> {
            if (cmd.equals("show channels count") && counts.incrementAndGet() == 2) {
                node.paused.set(false); // FreeSWITCH restarted: flag and calls gone
                node.channels.set(0);
                return false;
            }
            return true;
        };
        Result r = run(drain("--timeout", "20s"));
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.out().contains("lost (after reconnecting, inbound calls are no longer paused"), r.out());
    }

    @Test
    void aNodeGoneForGoodEndsAtTheTimeoutAsLost() {
        node.channels.set(3);
        AtomicInteger counts = new AtomicInteger();
        node.beforeApi = cmd -> {
            if (cmd.equals("show channels count") && counts.incrementAndGet() == 2) {
                try {
                    node.server.close();
                } catch (IOException ignored) {
                    // closing
                }
                return false;
            }
            return true;
        };
        Result r = run(drain("--timeout", "1s", "--json"));
        assertEquals(69, r.code(), r.toString());
        assertEquals("lost", r.json().get("outcome").getAsString());
        assertTrue(r.json().get("detail").getAsString().startsWith("no answer from 127.0.0.1:" + node.port()), r.out());
    }

    @Test
    void theOnlyNodeIsNotDrainedWithoutAllowLastNode() throws IOException {
        stack(1);
        Result r = run(drain());
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("has a single node (fleet.size 1)") && r.err().contains("--allow-last-node"), r.err());
        assertEquals(0, node.logins.get() + node.refusedLogins.get(), "a refusal connects to nothing");
        node.channels.set(0);
        assertEquals(0, run(drain("--allow-last-node")).code());
    }

    @Test
    void dryRunPrintsTheCallsAndConnectsToNothing() {
        Result r = run(drain("--dry-run", "--timeout", "90s"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("  fsctl pause inbound\n"), r.out());
        assertTrue(r.out().contains("every 100ms until 0 channels or 1m30s passed"), r.out());
        assertTrue(r.out().contains("password from " + passwordFile), r.out());
        assertTrue(r.out().endsWith("nothing was changed (--dry-run)\n"), r.out());
        assertEquals(0, node.logins.get());
        JsonObject j = run(drain("--dry-run", "--json")).json();
        assertTrue(j.get("dryRun").getAsBoolean());
        assertEquals(80, j.get("timeoutSec").getAsInt(), "default: the stack's fleet.drainTimeoutSec");
        assertEquals(4, j.getAsJsonArray("calls").size());
    }

    @Test
    void badInputNamesTheOptionTheValueAndWhatIsAllowed() throws IOException {
        Result r = run(drain("--timeout", "ten"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--timeout must be a duration like 90s, 5m, 1h30m or 250ms between 1s and 1d, got 'ten'"), r.err());
        r = run("drain", "--stack", "test", "--address", "127.0.0.1:99999");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--address must be HOST, HOST:PORT or [IPv6]:PORT with PORT 1..65535, got '127.0.0.1:99999'"), r.err());
        r = run("drain", "--stack", "test", "--node", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("give --address HOST[:PORT], or --node NAME with --inventory FILE"), r.err());
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));
        r = run(drain());
        assertEquals(69, r.code());
        assertTrue(r.err().contains("is readable or writable by group or others (rw-r--r--); allowed: owner only (chmod 600)"), r.err());
    }

    @Test
    void theNodeIsFoundInAGcloudInventory() throws IOException {
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, """
                [{"name":"mp-other-node-1","labels":{"stack":"other","component":"fleet"},
                  "networkInterfaces":[{"networkIP":"10.9.9.9"}]},
                 {"name":"mp-test-node-1","labels":{"stack":"test","component":"fleet"},
                  "networkInterfaces":[{"networkIP":"127.0.0.1","accessConfigs":[{"natIP":"203.0.113.7"}]}]}]
                """);
        Result r = run("drain", "--stack", "test", "--node", "mp-test-node-1", "--inventory", inv.toString(), "--dry-run", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("127.0.0.1:8021", r.json().get("esl").getAsString());
        r = run("drain", "--stack", "test", "--node", "mp-other-node-1", "--inventory", inv.toString(), "--dry-run");
        assertEquals(70, r.code(), r.toString());
        assertTrue(r.err().contains("--node 'mp-other-node-1' is not a node of stack test in " + inv + " (nodes there: [mp-test-node-1])"), r.err());
    }

    /** The operator's API list as the directory renders it (an XML parser, not a copied list). */
    Set<String> renderedOperatorApi() throws Exception {
        byte[] xml = dev.mediaplane.render.Renderer.render(dev.mediaplane.config.StackFileLoader.load(dir, "test").config())
                .file("freeswitch/directory/mediaplane.xml");
        javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        org.w3c.dom.NodeList users = f.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml)).getElementsByTagName("user");
        for (int i = 0; i < users.getLength(); i++) {
            org.w3c.dom.Element u = (org.w3c.dom.Element) users.item(i);
            if (u.getAttribute("id").equals("operator")) {
                org.w3c.dom.NodeList ps = u.getElementsByTagName("param");
                for (int j = 0; j < ps.getLength(); j++) {
                    org.w3c.dom.Element p = (org.w3c.dom.Element) ps.item(j);
                    if (p.getAttribute("name").equals("esl-allowed-api")) {
                        return Set.of(p.getAttribute("value").split(" "));
                    }
                }
            }
        }
        throw new AssertionError("no operator user with esl-allowed-api in the rendered directory");
    }

    @Test
    void byDefaultDrainAndUndrainLogInAsTheOperatorWhoseRenderedListAllowsEverythingTheySend() throws Exception {
        Set<String> api = renderedOperatorApi();
        node.allowed.put(OPERATOR, api);
        node.channels.set(1);
        node.beforeApi = cmd -> {
            if (cmd.equals("fsctl pause inbound")) {
                hangUpEvery(100);
            }
            return true;
        };
        String[] args = {"--stack", "test", "--address", "127.0.0.1:" + node.port(), "--esl-password-file", passwordFile.toString()};
        List<String> drain = new ArrayList<>(List.of("drain", "--node", "mp-test-node-1", "--interval", "100ms", "--timeout", "20s"));
        drain.addAll(List.of(args));
        Result d = run(drain.toArray(String[]::new));
        assertEquals(0, d.code(), d.toString());
        List<String> undrain = new ArrayList<>(List.of("undrain"));
        undrain.addAll(List.of(args));
        Result u = run(undrain.toArray(String[]::new));
        assertEquals(0, u.code(), u.toString());
        assertFalse(node.paused.get());
        assertTrue(node.apiCalls.size() >= 5, node.apiCalls.toString());
        for (String call : node.apiCalls) {
            assertTrue(api.contains(call.split(" ", 2)[0]), "sent '" + call + "', not in the operator's list " + api);
        }
        assertEquals(0, node.refusedLogins.get(), "the default login is the operator's");
    }

    @Test
    void aRefusedOperatorLoginNamesTheSecretToSet() throws IOException {
        Files.writeString(passwordFile, "MARKER-not-the-node-random-1\n");
        Result r = run("undrain", "--stack", "test", "--address", "127.0.0.1:" + node.port(), "--esl-password-file", passwordFile.toString());
        assertEquals(69, r.code(), r.toString());
        assertTrue(r.err().contains("mediaplane:eslOperatorPassword") && r.err().contains("secrets rotate esl-operator-password"), r.err());
        assertFalse(r.err().contains("MARKER-not-the-node-random-1"), r.err());
    }

    @Test
    void undrainResumesInboundCalls() {
        node.paused.set(true);
        Result r = run("undrain", "--stack", "test", "--address", "127.0.0.1:" + node.port(), "--esl-user", OPERATOR,
                "--esl-password-file", passwordFile.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("resumed", r.json().get("outcome").getAsString());
        assertFalse(node.paused.get());
        assertEquals(List.of("fsctl resume inbound", "fsctl pause_check inbound"), List.copyOf(node.apiCalls));
    }

    @Test
    void withoutAPasswordFileTheLoginComesFromSecretManager() throws Exception {
        try (var sm = new dev.mediaplane.ops.secrets.SecretManagerStandIn("mediaplane-test-000000")) {
            String prefix = dev.mediaplane.config.StackFileLoader.load(dir, "test").config().prefix();
            sm.tokens.put("tok", "user:ops@example.com");
            sm.createSecret(prefix + "-esl-operator-password", null, null);
            sm.plant(prefix + "-esl-operator-password", PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.time.Instant.now());
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            DrainCommand d = cli.getSubcommands().get("drain").getCommand();
            d.tty = false;
            d.clients = sm.clients("tok");
            String[] args = {"drain", "--stack", "test", "--address", "127.0.0.1:" + node.port(), "--esl-user", OPERATOR,
                "--esl-secret", "esl-operator-password", "--project-dir", dir.toString()};
            assertEquals(69, cli.execute(args), "no IAM grant yet: " + err);
            assertTrue(err.toString().contains("PERMISSION_DENIED") && err.toString().contains("secretmanager.versions.access"), err.toString());
            assertEquals(0, node.logins.get(), "nothing reached the node");
            sm.grant(prefix + "-esl-operator-password", "user:ops@example.com", "roles/secretmanager.secretAccessor");
            err.getBuffer().setLength(0);
            assertEquals(0, cli.execute(args), err.toString());
            assertTrue(node.paused.get());
            assertFalse(out.toString().contains(PASSWORD) || err.toString().contains(PASSWORD));
            assertTrue(out.toString().contains("drained"), out.toString());
        }
    }

    @Test
    void helpHasExamplesWhereItRunsAndTheExitCodes() {
        Result r = run("drain", "--help");
        assertEquals(0, r.code());
        for (String s : List.of("Examples:", "inside the VPC", "controller.cidrs", "4   REFUSED", "1   FAILED", "69   UNAVAILABLE",
                "--dry-run", "--json")) {
            assertTrue(r.out().contains(s), s + " missing in:\n" + r.out());
        }
        assertFalse(r.out().contains("POLICY_VIOLATION"), r.out());
    }
}
