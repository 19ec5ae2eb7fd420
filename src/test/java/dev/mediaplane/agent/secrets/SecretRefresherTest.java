package dev.mediaplane.agent.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import dev.mediaplane.agent.JsonLog;
import dev.mediaplane.esl.EslClient;
import dev.mediaplane.esl.EslConnection;
import dev.mediaplane.esl.EslCredentials;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.ops.secrets.SecretManagerStandIn;
import dev.mediaplane.render.NodeContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's secret refresh against the real Secret Manager client (in-process gRPC stand-in enforcing IAM) and the
 * real ESL client talking to a loopback mod_event_socket stand-in that records every api and answers as FreeSWITCH
 * 1.11.2's mod_sofia does for the commands used (sofia status lines, gateway State, restart).
 */
class SecretRefresherTest {

    static final NodeContract C = NodeContract.STANDARD;
    static final String NODE = "serviceAccount:mp-dev-node@mediaplane-dev-000000.iam.gserviceaccount.com";
    static final String MARKER = "MARKERv4lue-never-logged-7Q";
    static final String ADMIN = "adminPasswordLocal0123456789";
    static final String OPERATOR = "operatorPassword-v1-abcdef";
    static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert1\n-----END CERTIFICATE-----\n";
    static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIIEkey1\n-----END PRIVATE KEY-----\n";

    @TempDir
    Path root;

    SecretManagerStandIn sm;
    SecretManagerServiceClient client;
    FakeFreeSwitch fs;
    EslClient esl;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicReference<String> gateway = new AtomicReference<>("REGED");
    final AtomicBoolean paused = new AtomicBoolean();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    JsonLog log;

    @BeforeEach
    void setUp() throws Exception {
        sm = new SecretManagerStandIn("mediaplane-dev-000000");
        sm.tokens.put("node-token", NODE);
        for (NodeContract.Secret s : C.secrets()) {
            sm.createSecret("mp-dev-" + s.suffix(), null, null);
            sm.grant("mp-dev-" + s.suffix(), NODE, "roles/secretmanager.secretAccessor");
        }
        Instant t = Instant.parse("2026-12-01T00:00:00Z");
        sm.plant("mp-dev-sip-trunk-password", "trunkPassword-v1-abcdef".getBytes(StandardCharsets.UTF_8), t);
        sm.plant("mp-dev-esl-password", "eslPassword-v1-abcdefgh\n".getBytes(StandardCharsets.UTF_8), t);
        sm.plant("mp-dev-esl-operator-password", OPERATOR.getBytes(StandardCharsets.UTF_8), t);
        sm.plant("mp-dev-tls-certificate", CERT.getBytes(StandardCharsets.US_ASCII), t);
        sm.plant("mp-dev-tls-private-key", KEY.getBytes(StandardCharsets.US_ASCII), t);
        sm.plant("mp-dev-deepgram-api-key", "dg-key-1".getBytes(StandardCharsets.UTF_8), t);
        client = sm.clients("node-token").open();

        fs = new FakeFreeSwitch(ADMIN);
        fs.api = this::freeswitch;
        esl = new EslClient(EslCredentials.password("127.0.0.1", fs.port(), ADMIN),
                EslClient.Subscription.of(EslConnection.Format.PLAIN, "HEARTBEAT"), e -> { }, EslClient.Options.defaults());
        esl.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (esl.state() != EslClient.State.CONNECTED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(EslClient.State.CONNECTED, esl.state());
        log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), Clock.systemUTC(), Map.of("component", "agent"));
        for (String d : List.of(C.paths().includeDir(), C.paths().tlsDir(), C.paths().sttKeysDir(), C.paths().agentStateDir())) {
            Files.createDirectories(root.resolve(d.substring(1)));
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        esl.close();
        fs.close();
        client.close();
        sm.close();
    }

    /** mod_sofia's answers (mod_sofia.c cmd_status, the gateway's State line, killgw, rescan, restart). */
    String freeswitch(String cmd) {
        calls.add(cmd);
        String lines = String.format("%25s\t%s\t  %40s\t%s (%d)\n", "external", "profile", "sip:mod_sofia@10.42.0.5:5080",
                "RUNNING", sessions.get())
                + String.format("%25s\t%s\t  %40s\t%s (%d) (TLS)\n", "external", "profile", "sips:mod_sofia@10.42.0.5:5061",
                "RUNNING", sessions.get());
        return switch (cmd) {
            case "reloadxml" -> "+OK [Success]\n";
            case "sofia profile external killgw signalwire" -> {
                gateway.set("UNREGED");
                yield "+OK gateway marked for deletion.\n";
            }
            case "sofia profile external rescan" -> {
                gateway.set("REGED");
                yield "Reload XML [Success]\n+OK scan complete\n";
            }
            case "sofia status gateway signalwire" -> "Name    \tsignalwire\nPassword\tyes\nState   \t" + gateway.get() + "\n";
            case "sofia status" -> "                     Name\t   Type\t                                       Data\tState\n" + lines;
            case "fsctl pause_check inbound" -> paused.get() ? "true" : "false";
            case "fsctl pause inbound" -> {
                paused.set(true);
                yield "+OK\n";
            }
            case "fsctl resume inbound" -> {
                paused.set(false);
                yield "+OK\n";
            }
            case "sofia profile external restart" -> "Reload XML [Success]\nrestarting: external\n";
            default -> "-ERR " + cmd + " Command not found!\n";
        };
    }

    /** Owners the test root can have (root may chown to nobody:nogroup): root:freeswitch files become nobody:nogroup. */
    static final AtomicFiles.Owners OWNERS = o -> switch (o) {
        case ROOT_FREESWITCH -> new String[] {"nobody", "nogroup"};
        default -> new String[] {"root", "root"};
    };

    SecretRefresher refresher(AtomicFiles files) {
        SecretRefresher.Settings s = new SecretRefresher.Settings(root, "mp-dev", ADMIN, "mediaplane-agent", Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofHours(6), Duration.ofMillis(20));
        return new SecretRefresher(C, s, new SecretSource(client, sm.project), esl::api, files, log, System::nanoTime,
                d -> Thread.sleep(d.toMillis()));
    }

    SecretRefresher refresher() {
        return refresher(new AtomicFiles(OWNERS));
    }

    Path at(String nodePath) {
        return root.resolve(nodePath.substring(1));
    }

    /** Boot's first run: the files as the refresher (and boot) write them, nothing owed (FreeSWITCH then starts on them). */
    SecretRefresher booted() throws Exception {
        SecretRefresher r = refresher();
        r.refresh();
        calls.clear();
        return r;
    }

    String include(String esl, String trunk) {
        return include(esl, OPERATOR, trunk);
    }

    String include(String esl, String operator, String trunk) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(C.vars().eslPassword(), esl);
        v.put(C.vars().eslOperatorPassword(), operator);
        v.put(C.vars().eslAdminPassword(), ADMIN);
        v.put(C.vars().sipTrunkPassword(), trunk);
        return C.vars().secretsInclude(v);
    }

    @Test
    void aNewTrunkPasswordIsWrittenAsBootWritesItAndTheGatewayReRegistersExactlyOnce() throws Exception {
        SecretRefresher r = booted();
        assertEquals(include("eslPassword-v1-abcdefgh", "trunkPassword-v1-abcdef"), Files.readString(at(C.paths().secretsInclude())));
        r.refresh();
        assertEquals(List.of(), calls, "nothing changed: nothing is sent");

        sm.plant("mp-dev-sip-trunk-password", "trunkPassword-v2-ghijkl".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertEquals(List.of("reloadxml", "sofia profile external killgw signalwire", "sofia profile external rescan",
                "sofia status gateway signalwire"), calls);
        Path xml = at(C.paths().secretsInclude());
        assertEquals(include("eslPassword-v1-abcdefgh", "trunkPassword-v2-ghijkl"), Files.readString(xml));
        PosixFileAttributes a = Files.readAttributes(xml, PosixFileAttributes.class);
        assertEquals("rw-r-----", PosixFilePermissions.toString(a.permissions()));
        assertEquals("nobody", a.owner().getName());
        assertEquals("nogroup", a.group().getName());
        assertFalse(Files.exists(at(C.paths().secretsPending())), "every step done: nothing owed");
        assertEquals(2, r.status().get("sip-trunk-password").version());
        assertEquals("applied", r.status().get("sip-trunk-password").state());
        assertEquals(2, r.report().versions().get("sip-trunk-password"));

        calls.clear();
        r.refresh();
        r.refresh();
        assertEquals(List.of(), calls, "the version is applied once");
    }

    @Test
    void aNewEslPasswordIsAReloadxmlOnlyAndNoGatewayIsTouched() throws Exception {
        SecretRefresher r = booted();
        sm.plant("mp-dev-esl-password", "eslPassword-v2-zyxwvuts".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertEquals(List.of("reloadxml"), calls);
        assertEquals(include("eslPassword-v2-zyxwvuts", "trunkPassword-v1-abcdef"), Files.readString(at(C.paths().secretsInclude())));
        assertEquals(2, r.status().get("esl-password").version());
        assertTrue(calls.stream().noneMatch(c -> c.contains("mod_event_socket")), "no ESL connection is dropped");
    }

    /** The operator secret with no version: a stack from before it existed. */
    void operatorSecretWithoutVersion() {
        sm.deleteSecret("mp-dev-esl-operator-password");
        sm.createSecret("mp-dev-esl-operator-password", null, null);
        sm.grant("mp-dev-esl-operator-password", NODE, "roles/secretmanager.secretAccessor");
    }

    String operatorValue() throws IOException {
        return SecretRefresher.vars(Files.readString(at(C.paths().secretsInclude()))).get(C.vars().eslOperatorPassword());
    }

    @Test
    void anOperatorSecretWithoutAVersionKeepsTheNodesFallbackAndNeverWritesAnEmptyPassword() throws Exception {
        operatorSecretWithoutVersion();
        // Boot wrote the include with this node's random fallback (startup.sh); the refresh must keep it.
        String fallback = "bootFallbackRandom0123456789abcdefXYZ";
        new AtomicFiles(OWNERS).write(at(C.paths().secretsInclude()), include("eslPassword-v1-abcdefgh", fallback, "trunkPassword-v1-abcdef")
                .getBytes(StandardCharsets.UTF_8), C.files().secretsInclude());
        SecretRefresher r = refresher();
        r.refresh();
        assertEquals(fallback, operatorValue());
        assertFalse(calls.contains("reloadxml"), "the include did not change: no reloadxml (the TLS file was new: " + calls + ")");
        calls.clear();
        assertEquals("absent", r.status().get("esl-operator-password").state());
        assertTrue(r.status().get("esl-operator-password").detail().contains("mp-dev-esl-operator-password"),
                r.status().get("esl-operator-password").detail());
        // The others still refresh while it has none.
        sm.plant("mp-dev-esl-password", "eslPassword-v2-zyxwvuts".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertEquals(List.of("reloadxml"), calls);
        assertEquals(include("eslPassword-v2-zyxwvuts", fallback, "trunkPassword-v1-abcdef"), Files.readString(at(C.paths().secretsInclude())));
        assertEquals("applied", r.status().get("esl-password").state());
    }

    @Test
    void withNoIncludeToKeepTheFallbackIsARandomPasswordBootWouldAccept() throws Exception {
        operatorSecretWithoutVersion();
        SecretRefresher r = refresher();
        r.refresh();
        String v = operatorValue();
        assertNotNull(v);
        assertTrue(v.matches("[A-Za-z0-9._~+/=:@%!*,^-]{12,256}"), "a password boot's check accepts, never empty");
        r.refresh();
        assertEquals(v, operatorValue(), "kept across refreshes");
        SecretRefresher other = refresher();
        Files.delete(at(C.paths().secretsInclude()));
        other.refresh();
        assertNotEquals(v, operatorValue(), "random per node");
    }

    @Test
    void aFirstOperatorVersionIsAReloadxmlOnly() throws Exception {
        operatorSecretWithoutVersion();
        SecretRefresher r = booted();
        String fallback = operatorValue();
        sm.plant("mp-dev-esl-operator-password", "operatorPassword-v2-set".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertEquals(List.of("reloadxml"), calls, "a directory password: reloadxml, no gateway, no module reload");
        assertEquals("operatorPassword-v2-set", operatorValue());
        assertNotEquals(fallback, operatorValue());
        assertEquals("applied", r.status().get("esl-operator-password").state());
        assertEquals(1, r.status().get("esl-operator-password").version());
    }

    @Test
    void withoutTheAccessorRoleOnASecretTheApiRefusesAndTheOldFileStays() throws Exception {
        SecretRefresher r = booted();
        byte[] before = Files.readAllBytes(at(C.paths().secretsInclude()));
        sm.iam.forget(sm.resource("mp-dev-esl-password"));
        sm.plant("mp-dev-sip-trunk-password", "trunkPassword-v2-ghijkl".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertArrayEquals(before, Files.readAllBytes(at(C.paths().secretsInclude())), "a failed read changes no file");
        assertEquals(List.of(), calls);
        SecretRefresher.Status st = r.status().get("esl-password");
        assertEquals("failed", st.state());
        assertTrue(st.detail().contains("PERMISSION_DENIED") && st.detail().contains("secretmanager.versions.access"), st.detail());
        assertEquals(1, r.status().get("sip-trunk-password").version(), "the trunk's new version shares the file: not applied");
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("\"event\":\"secret_refresh_failed\""));
    }

    @Test
    void aCertificateWaitsForTheProfileToBeIdleThenRestartsItOnceWithInboundPausedAround() throws Exception {
        SecretRefresher r = booted();
        sessions.set(2);
        String cert2 = CERT.replace("cert1", "cert2");
        sm.plant("mp-dev-tls-certificate", cert2.getBytes(StandardCharsets.US_ASCII), Instant.now());
        r.refresh();
        r.refresh();
        assertEquals(List.of("sofia status", "sofia status"), calls, "no restart while calls are up");
        assertEquals(cert2 + KEY, Files.readString(at(C.paths().tlsDir() + "/agent.pem")), "the new pair is in place already");
        assertEquals("waiting", r.status().get("tls-certificate").state());
        assertEquals(1, r.status().get("tls-certificate").version());
        assertTrue(r.status().get("tls-certificate").detail().startsWith("2 calls on profile external"));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("\"event\":\"secret_apply_waiting\""));

        sessions.set(0);
        calls.clear();
        r.refresh();
        assertEquals(List.of("sofia status", "fsctl pause_check inbound", "fsctl pause inbound", "sofia status",
                "sofia profile external restart", "sofia status", "fsctl resume inbound"), calls);
        assertEquals(2, r.status().get("tls-certificate").version());
        assertFalse(paused.get());
        calls.clear();
        r.refresh();
        assertEquals(List.of(), calls, "restarted once");
    }

    /** A self-signed certificate and its PKCS#8 key, from openssl. */
    String[] pair(String cn) throws Exception {
        Path k = root.resolve(cn + ".key");
        Path c = root.resolve(cn + ".crt");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", k.toString(), "-out", c.toString(), "-subj", "/CN=" + cn, "-days", "2").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        return new String[] {Files.readString(c), Files.readString(k)};
    }

    @Test
    void aCertificateRotatedBeforeItsKeyWaitsForTheKeyInsteadOfBreakingTls() throws Exception {
        String[] a = pair("node-a");
        String[] b = pair("node-b");
        sm.plant("mp-dev-tls-certificate", a[0].getBytes(StandardCharsets.US_ASCII), Instant.now());
        sm.plant("mp-dev-tls-private-key", a[1].getBytes(StandardCharsets.US_ASCII), Instant.now());
        SecretRefresher r = booted();
        Path pem = at(C.paths().tlsDir() + "/agent.pem");
        assertEquals(a[0] + a[1], Files.readString(pem));

        sm.plant("mp-dev-tls-certificate", b[0].getBytes(StandardCharsets.US_ASCII), Instant.now());
        r.refresh();
        assertEquals(a[0] + a[1], Files.readString(pem), "a certificate with the old key is never installed");
        assertEquals(List.of(), calls, "nor the profile restarted");
        assertEquals("waiting", r.status().get("tls-certificate").state());
        assertTrue(r.status().get("tls-certificate").detail().contains("do not belong together"));

        sm.plant("mp-dev-tls-private-key", b[1].getBytes(StandardCharsets.US_ASCII), Instant.now());
        r.refresh();
        assertEquals(b[0] + b[1], Files.readString(pem));
        assertTrue(calls.contains("sofia profile external restart"), calls.toString());
        assertEquals(3, r.status().get("tls-certificate").version());
        assertEquals(3, r.status().get("tls-private-key").version());
        assertFalse(logBytes.toString(StandardCharsets.UTF_8).contains("PRIVATE KEY"), "no key material in the log");
    }

    @Test
    void theReportNeverWaitsForARefreshInProgress() throws Exception {
        SecretRefresher r = booted();
        fs.api = cmd -> {
            String a = freeswitch(cmd);
            if (cmd.endsWith("rescan")) {
                gateway.set("TRYING"); // the gateway takes its time: the refresh polls for gatewayWait (2 s)
            }
            return a;
        };
        sm.plant("mp-dev-sip-trunk-password", "trunkPassword-v2-ghijkl".getBytes(StandardCharsets.UTF_8), Instant.now());
        Thread refresh = new Thread(() -> {
            try {
                r.refresh();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        refresh.start();
        long end = System.nanoTime() + 5_000_000_000L;
        while (!calls.contains("sofia status gateway signalwire") && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        long t0 = System.nanoTime();
        r.report().json();
        r.report().versions();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(refresh.isAlive(), "the refresh is still waiting for the gateway");
        assertTrue(ms < 500, "a scrape waited " + ms + " ms for the refresh (health checks share those threads)");
        refresh.join();
        assertEquals("failed", r.status().get("sip-trunk-password").state());
    }

    @Test
    void aDrainingNodeStaysPausedAfterTheRestart() throws Exception {
        SecretRefresher r = booted();
        paused.set(true);
        sm.plant("mp-dev-tls-private-key", KEY.replace("key1", "key2").getBytes(StandardCharsets.US_ASCII), Instant.now());
        r.refresh();
        assertFalse(calls.contains("fsctl resume inbound"), calls.toString());
        assertTrue(calls.contains("sofia profile external restart"));
        assertTrue(paused.get());
    }

    @Test
    void stepsOwedSurviveAnEslOutageAndARestartOfTheAgentAndRunOnce() throws Exception {
        SecretRefresher r = booted();
        esl.close();
        sm.plant("mp-dev-sip-trunk-password", "trunkPassword-v2-ghijkl".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertEquals(List.of("reloadxml", "gateway"), Files.readAllLines(at(C.paths().secretsPending())));
        assertEquals("failed", r.status().get("sip-trunk-password").state());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(at(C.paths().secretsPending()))));

        esl = new EslClient(EslCredentials.password("127.0.0.1", fs.port(), ADMIN),
                EslClient.Subscription.of(EslConnection.Format.PLAIN, "HEARTBEAT"), e -> { }, EslClient.Options.defaults());
        esl.start();
        while (esl.state() != EslClient.State.CONNECTED) {
            Thread.sleep(20);
        }
        SecretRefresher restarted = refresher(); // a new agent process: the file already holds the new value
        restarted.refresh();
        assertEquals(List.of("reloadxml", "sofia profile external killgw signalwire", "sofia profile external rescan",
                "sofia status gateway signalwire"), calls);
        assertFalse(Files.exists(at(C.paths().secretsPending())));
        assertEquals(2, restarted.status().get("sip-trunk-password").version());
    }

    @Test
    void aFailureBeforeTheRenameLeavesTheOldFileAndNoTemporaryOne() throws Exception {
        booted();
        Path xml = at(C.paths().secretsInclude());
        byte[] before = Files.readAllBytes(xml);
        AtomicFiles crashing = new AtomicFiles(OWNERS, tmp -> {
            if (tmp.getFileName().toString().startsWith(".secrets.xml.")) {
                throw new IOException("killed before the rename");
            }
        });
        sm.plant("mp-dev-esl-password", "eslPassword-v2-zyxwvuts".getBytes(StandardCharsets.UTF_8), Instant.now());
        refresher(crashing).refresh();
        assertArrayEquals(before, Files.readAllBytes(xml));
        try (var l = Files.list(xml.getParent())) {
            assertEquals(List.of("secrets.xml"), l.map(p -> p.getFileName().toString()).toList());
        }
        calls.clear();
        refresher().refresh();
        assertEquals(include("eslPassword-v2-zyxwvuts", "trunkPassword-v1-abcdef"), Files.readString(xml),
                "the next refresh writes it");
        assertEquals(List.of("reloadxml"), calls);
    }

    @Test
    void aReaderNeverSeesAPartOfTheFile() throws Exception {
        Path f = root.resolve("etc/mediaplane/freeswitch/secrets.xml");
        byte[] a = "A".repeat(256 * 1024).getBytes(StandardCharsets.US_ASCII);
        byte[] b = "B".repeat(300 * 1024).getBytes(StandardCharsets.US_ASCII);
        AtomicFiles files = new AtomicFiles(OWNERS);
        files.write(f, a, C.files().secretsInclude());
        AtomicBoolean stop = new AtomicBoolean();
        List<String> torn = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    byte[] got = Files.readAllBytes(f);
                    if (!java.util.Arrays.equals(got, a) && !java.util.Arrays.equals(got, b)) {
                        torn.add(got.length + " bytes");
                    }
                } catch (IOException e) {
                    torn.add(e.toString());
                }
            }
        });
        reader.start();
        for (int i = 0; i < 60; i++) {
            files.write(f, i % 2 == 0 ? b : a, C.files().secretsInclude());
        }
        stop.set(true);
        reader.join();
        assertEquals(List.of(), torn);
    }

    @Test
    void aValueBootWouldRefuseIsNotInstalled() throws Exception {
        SecretRefresher r = booted();
        byte[] before = Files.readAllBytes(at(C.paths().secretsInclude()));
        sm.plant("mp-dev-esl-password", "short\"/>".getBytes(StandardCharsets.UTF_8), Instant.now());
        r.refresh();
        assertArrayEquals(before, Files.readAllBytes(at(C.paths().secretsInclude())));
        assertEquals(List.of(), calls);
        assertEquals("failed", r.status().get("esl-password").state());
        assertTrue(r.status().get("esl-password").detail().contains("version 2"));
    }

    @Test
    void anOptionalKeyWithoutAVersionIsRemovedAsBootDoes() throws Exception {
        SecretRefresher r = booted();
        Path key = at(C.paths().sttKeysDir() + "/deepgram-api-key");
        assertEquals("dg-key-1", Files.readString(key));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertFalse(Files.exists(at(C.paths().sttKeysDir() + "/assemblyai-api-key")));
        assertEquals("absent", r.status().get("assemblyai-api-key").state());
        sm.deleteSecret("mp-dev-deepgram-api-key");
        r.refresh();
        assertFalse(Files.exists(key));
        assertEquals(List.of(), calls);
    }

    @Test
    void aMarkerValueNeverReachesALogLineTheReportOrAnException() throws Exception {
        SecretRefresher r = booted();
        sm.plant("mp-dev-sip-trunk-password", (MARKER + "\n").getBytes(StandardCharsets.UTF_8), Instant.now());
        sm.plant("mp-dev-esl-password", (MARKER + "x").getBytes(StandardCharsets.UTF_8), Instant.now());
        sm.plant("mp-dev-esl-operator-password", (MARKER + "op").getBytes(StandardCharsets.UTF_8), Instant.now());
        sm.plant("mp-dev-deepgram-api-key", MARKER.getBytes(StandardCharsets.UTF_8), Instant.now());
        gateway.set("FAIL_WAIT");
        fs.api = cmd -> {
            String a = freeswitch(cmd);
            if (cmd.endsWith("rescan")) {
                gateway.set("FAIL_WAIT"); // the trunk refuses: the failure path logs too
            }
            return a;
        };
        r.refresh();
        sm.iam.forget(sm.resource("mp-dev-esl-password"));
        r.refresh();
        assertTrue(Files.readString(at(C.paths().secretsInclude())).contains(MARKER), "the value is installed");
        assertTrue(Files.readString(at(C.paths().secretsInclude())).contains(MARKER + "op"), "the operator's too");
        String everything = logBytes.toString(StandardCharsets.UTF_8) + r.report().json() + r.report().versions().keySet()
                + r.status() + calls;
        assertFalse(everything.contains(MARKER), everything);
        assertFalse(everything.contains(ADMIN), "nor the admin password");
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("secret_gateway_not_registered"));
        assertEquals("failed", r.status().get("sip-trunk-password").state());
    }

    @Test
    void theIncludeFormatIsOneDefinition() {
        assertThrows(IllegalArgumentException.class, () -> C.vars().secretsInclude(Map.of()));
        assertEquals(Map.of("mp_esl_password", "a=b", "x", "1"),
                SecretRefresher.vars("<include>\n" + String.format(NodeContract.Vars.INCLUDE_LINE, "mp_esl_password", "a=b")
                        + "\n" + String.format(NodeContract.Vars.INCLUDE_LINE, "x", "1") + "\n</include>\n"));
    }
}
