package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.ops.node.EslNode;
import dev.mediaplane.ops.smoke.OldTlsServer;
import dev.mediaplane.ops.smoke.SipTlsResponder;
import dev.mediaplane.plan.PlanFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** smoke through the CLI factory: a real TLS SIP responder (JDK, keytool certificate), a JDK TLS 1.1-only server in its own JVM, ESL on loopback. */
class SmokeCommandTest {

    static final String PASSWORD = "MARKER-controller-pw-4c2d";

    @TempDir
    Path dir;

    EslNode esl;
    SipTlsResponder sip;
    Path cert;
    Path pwFile;

    record Result(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }

        JsonObject check(String name) {
            for (var e : json().getAsJsonArray("checks")) {
                if (e.getAsJsonObject().get("check").getAsString().equals(name)) {
                    return e.getAsJsonObject();
                }
            }
            throw new AssertionError("no check " + name + " in " + out);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(dir.resolve("Pulumi.test.yaml"), PlanFixtures.STACK_YAML);
        Files.writeString(dir.resolve("Pulumi.yaml"), "name: mediaplane\nruntime: java\n");
        cert = SipTlsResponder.certificate(dir, "node.test", 30);
        sip = new SipTlsResponder(dir.resolve("node.p12"));
        esl = new EslNode().user("controller@mediaplane", PASSWORD, EslNode.CONTROLLER_API);
        pwFile = dir.resolve("pw");
        Files.writeString(pwFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void tearDown() throws IOException {
        sip.close();
        esl.close();
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.create(c -> PlanFixtures.compliant());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--project-dir", dir.toString()));
        Result r = new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
        assertFalse((r.out() + r.err()).contains(PASSWORD), r.toString());
        return r;
    }

    String[] smoke(int sipPort, String... extra) {
        List<String> a = new ArrayList<>(List.of("smoke", "--stack", "test", "--address", "127.0.0.1:" + esl.port(),
                "--sip-address", "127.0.0.1:" + sipPort, "--esl-password-file", pwFile.toString(), "--timeout", "3s"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void aHealthyNodePassesEveryCheck() {
        Result r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--sip-name", "node.test", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.json().get("pass").getAsBoolean());
        assertEquals(4, r.json().getAsJsonArray("checks").size());
        String detail = r.check("sip-options-tls").get("detail").getAsString();
        assertTrue(detail.startsWith("TLSv1.3 TLS_") && detail.contains(", 200 OK, certificate CN=node.test (verified)"), detail);
        assertTrue(r.check("tls-certificate").get("detail").getAsString().contains("(in 29 days; minimum 14)"), r.out());
        assertTrue(r.check("esl-login").get("pass").getAsBoolean());
        assertTrue(r.check("freeswitch-ready").get("pass").getAsBoolean());
        assertEquals(4, r.json().getAsJsonArray("notChecked").size());
        String req = sip.requests.get(0);
        assertTrue(req.startsWith("OPTIONS sip:127.0.0.1:" + sip.port() + ";transport=tls SIP/2.0\r\n"), req);
        assertTrue(req.contains("\r\nVia: SIP/2.0/TLS 127.0.0.1:") && req.contains(";branch=z9hG4bK"), req);
        assertEquals(List.of("status"), List.copyOf(esl.apiCalls));
    }

    @Test
    void aTls11OnlyServerFailsTheCheck() throws Exception {
        try (OldTlsServer old = OldTlsServer.start(dir.resolve("node.p12"), "TLSv1.1", dir)) {
            Result r = run(smoke(old.port(), "--ca-file", cert.toString(), "--json"));
            assertEquals(1, r.code(), r.toString());
            JsonObject c = r.check("sip-options-tls");
            assertFalse(c.get("pass").getAsBoolean());
            assertTrue(c.get("detail").getAsString().startsWith("TLS handshake with 127.0.0.1:" + old.port()
                    + " failed offering only [TLSv1.3, TLSv1.2]"), c.toString());
            assertFalse(r.check("tls-certificate").get("pass").getAsBoolean());
            assertTrue(r.check("esl-login").get("pass").getAsBoolean(), "the other checks still run");
        }
        // Control: the same child with TLS 1.2 passes, so the failure above is the protocol, not the setup.
        try (OldTlsServer ok = OldTlsServer.start(dir.resolve("node.p12"), "TLSv1.2", dir)) {
            Result r = run(smoke(ok.port(), "--ca-file", cert.toString(), "--json"));
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.check("sip-options-tls").get("detail").getAsString().startsWith("TLSv1.2 "), r.out());
        }
    }

    @Test
    void aCertificateOutsideTheTrustOrForAnotherNameFails() {
        Result r = run(smoke(sip.port(), "--json"));
        assertEquals(1, r.code());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().contains("PKIX path building failed"), r.out());
        r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--sip-name", "other.test", "--json"));
        assertEquals(1, r.code());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().contains("No subject alternative DNS name matching other.test"),
                r.out());
        r = run(smoke(sip.port(), "--no-verify", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.check("sip-options-tls").get("detail").getAsString().endsWith("(NOT verified: --no-verify)"));
    }

    @Test
    void aRefusedOptionsAnExpiringCertificateAndAWrongPasswordEachFailTheirCheck() throws IOException {
        sip.answer = "403 Forbidden";
        Files.writeString(pwFile, "MARKER-wrong-password-99\n");
        Result r = run(smoke(sip.port(), "--ca-file", cert.toString(), "--cert-min-days", "60"));
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("FAIL +127\\.0\\.0\\.1 +sip-options-tls +TLSv1\\.3 .*, 403 Forbidden, .*"), r.out());
        assertTrue(lines.get(1).matches("FAIL +127\\.0\\.0\\.1 +tls-certificate +expires .* \\(in 29 days; minimum 60\\).*"), r.out());
        assertTrue(lines.get(2).matches("FAIL +127\\.0\\.0\\.1 +esl-login +FreeSWITCH rejected user controller@mediaplane .*"), r.out());
        assertTrue(r.out().contains("not checked:\n  - test call"), r.out());
        assertTrue(r.out().endsWith("smoke test: FAIL (0 of 4 checks passed on 1 node)\n"), r.out());
        assertFalse(r.out().contains("MARKER-wrong-password-99"));
    }

    @Test
    void dryRunContactsNothingAndEveryNodeOfTheInventoryIsChecked() throws IOException {
        Path inv = dir.resolve("nodes.json");
        Files.writeString(inv, "[{\"name\":\"mp-test-node-1\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\",\"accessConfigs\":[{\"natIP\":\"127.0.0.1\"}]}]},"
                + "{\"name\":\"mp-test-node-2\",\"labels\":{\"stack\":\"test\",\"component\":\"fleet\"},"
                + "\"networkInterfaces\":[{\"networkIP\":\"127.0.0.1\"}]}]");
        Result r = run("smoke", "--stack", "test", "--inventory", inv.toString(), "--esl-password-file", pwFile.toString(),
                "--dry-run", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonArray calls = r.json().getAsJsonArray("calls");
        assertEquals(8, calls.size());
        assertTrue(calls.get(0).getAsString().startsWith("mp-test-node-1: sip-options-tls: TLS (offering only [TLSv1.3, TLSv1.2]) to 127.0.0.1:5061"),
                calls.toString());
        assertTrue(sip.requests.isEmpty());
        assertEquals(0, esl.logins.get());
        r = run("smoke", "--stack", "test", "--inventory", inv.toString(), "--esl-password-file", pwFile.toString(), "--json",
                "--timeout", "1s");
        assertEquals(1, r.code());
        JsonArray checks = r.json().getAsJsonArray("checks");
        assertEquals(8, checks.size());
        assertEquals("no external address known (inventory without natIP; give --sip-address)",
                checks.get(4).getAsJsonObject().get("detail").getAsString());
    }
}
