package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.infra.Observability;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renaming a node fact in the contract moves every consumer: templates, node files, metric filters. */
class NodeContractTest {

    static final StackConfig DEV = Scenarios.config("dev");
    static final String HASH = "0".repeat(64);

    /** The record with one component replaced (records have no withers; this keeps tests short). */
    static <R extends Record> R with(R record, String component, Object value) {
        try {
            RecordComponent[] cs = record.getClass().getRecordComponents();
            Object[] args = new Object[cs.length];
            Class<?>[] types = new Class<?>[cs.length];
            boolean found = false;
            for (int i = 0; i < cs.length; i++) {
                types[i] = cs[i].getType();
                args[i] = cs[i].getName().equals(component) ? value : cs[i].getAccessor().invoke(record);
                found |= cs[i].getName().equals(component);
            }
            assertTrue(found, record.getClass().getSimpleName() + " has no component " + component);
            @SuppressWarnings("unchecked")
            R out = (R) record.getClass().getDeclaredConstructor(types).newInstance(args);
            return out;
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static final NodeContract S = NodeContract.STANDARD;
    /** A contract where a path, a marker, a unit, a variable, a secret check's subject, events and a metadata attribute are renamed. */
    static final NodeContract RENAMED = new NodeContract(
            with(with(with(with(S.paths(), "runDir", "/run/mp-renamed"), "agentStateDir", "/srv/agent-renamed"), "readyMarker",
                    "up-renamed"), "agentEslConf", "/etc/mp-renamed/esl.conf"),
            with(with(with(S.units(), "agentService", "mp-agent-renamed.service"), "agentJar", "mp-agent-renamed.jar"),
                    "agentUser", "mp-agent-user-renamed"),
            S.files(), S.secrets(),
            with(with(S.vars(), "internalIp", "mp_nic_renamed"), "callSid", "mp_sid_renamed"),
            with(with(with(S.events(), "callQuality", new NodeContract.Event("call_quality_renamed", "loss_renamed",
                    S.events().callQuality().fields().stream().map(f -> f.name().equals("packet_loss_percent")
                            ? new NodeContract.Field("loss_renamed", f.type()) : f).toList())),
                    "drainStarted", with(S.events().drainStarted(), "name", "drain_began_renamed")),
                    "recordingUploadFailed", with(S.events().recordingUploadFailed(), "name", "upload_failed_renamed")),
            with(S.attributes(), "secretPrefix", "mp-secrets-renamed"));

    /** Every file rendered from a template under a contract: the bundle's rendered files and both boot scripts. */
    static Map<String, String> rendered(NodeContract contract) {
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> verbatim = Renderer.staticNodeFiles().keySet();
        String jar = "node/" + contract.units().agentJar();
        Renderer.render(DEV, contract).files().forEach((path, bytes) -> {
            if (!(path.startsWith("node/") && verbatim.contains(path.substring(5))) && !path.equals("MANIFEST.sha256")
                    && !path.equals(jar)) {
                out.put(path, new String(bytes, StandardCharsets.UTF_8));
            }
        });
        out.put("startup-script", Renderer.startupScript(DEV, contract, Scenarios.BUCKET, HASH));
        out.put("shutdown-script", Renderer.shutdownScript(DEV, contract));
        return out;
    }

    @Test
    void everyRenderedFileFollowsARenameAndNoneKeepsTheOldName() {
        Map<String, String> before = rendered(S);
        Map<String, String> after = rendered(RENAMED);
        Map<String, String> renames = Map.ofEntries(
                Map.entry("/run/mediaplane", "/run/mp-renamed"),
                Map.entry("/var/lib/mediaplane/agent", "/srv/agent-renamed"),
                Map.entry("/etc/mediaplane/agent-esl.conf", "/etc/mp-renamed/esl.conf"),
                Map.entry("mediaplane-agent.service", "mp-agent-renamed.service"),
                Map.entry("mediaplane-agent.jar", "mp-agent-renamed.jar"),
                Map.entry("User=mediaplane-agent", "User=mp-agent-user-renamed"),
                Map.entry(":-mediaplane-agent}", ":-mp-agent-user-renamed}"),
                Map.entry("mp_internal_ip", "mp_nic_renamed"),
                Map.entry("mp_call_sid", "mp_sid_renamed"),
                Map.entry("drain_started", "drain_began_renamed"),
                Map.entry("mediaplane-secret-prefix", "mp-secrets-renamed"),
                Map.entry("RUN_DIR/ready", "RUN_DIR/up-renamed"));
        renames.forEach((old, renamed) -> {
            List<String> users = before.entrySet().stream().filter(e -> e.getValue().contains(old)).map(Map.Entry::getKey).toList();
            assertFalse(users.isEmpty(), "no rendered file uses " + old + ": the rename proves nothing");
            for (String f : users) {
                String g = f.replace("mediaplane-agent.service", "mp-agent-renamed.service");
                assertTrue(after.containsKey(g), "the renamed bundle has no " + g + ": " + after.keySet());
                assertTrue(after.get(g).contains(renamed), f + " does not follow the rename of " + old + " to " + renamed);
            }
            after.forEach((f, text) -> assertFalse(text.replace(renamed, "").contains(old),
                    f + " still holds " + old + " after the contract renamed it"));
        });
        // The places that must follow, named: a script, a unit, the XML, the boot script.
        String unit = after.get("node/mp-agent-renamed.service");
        assertTrue(unit.contains("\nUser=mp-agent-user-renamed\n"), unit);
        assertTrue(unit.contains("-jar /opt/mediaplane/node/mp-agent-renamed.jar --node-env /etc/mediaplane/node.env\n"), unit);
        assertTrue(unit.contains("\nReadWritePaths=/var/lib/mediaplane/recordings /srv/agent-renamed /run/mp-renamed/streams"
                + " /etc/mediaplane/freeswitch /etc/mediaplane/tls /etc/mediaplane/agent\n"), unit);
        assertTrue(unit.contains("\nExecStartPre=+/usr/bin/install -d -m 2770 -o freeswitch -g mp-agent-user-renamed /run/mp-renamed/streams\n"),
                unit);
        assertTrue(after.get("startup-script").contains("printf 'STREAMS_DIR=%s\\n' '/run/mp-renamed/streams'"));
        assertTrue(Renderer.render(DEV, RENAMED).files().containsKey("node/mp-agent-renamed.jar"), "the jar follows its name");
        assertTrue(after.get("node/mediaplane-drain.sh").contains("RUN_DIR=\"$R/run/mp-renamed\""));
        assertTrue(after.get("freeswitch/sip_profiles/external.xml").contains("$${mp_nic_renamed}"));
        assertTrue(after.get("startup-script").contains("data=\"mp_nic_renamed=%s\""));
        assertTrue(after.get("startup-script").contains("printf 'ESL_CONF=%s\\n' '/etc/mp-renamed/esl.conf'"));
        assertTrue(after.get("startup-script").contains("AGENT_USER=\"${MP_AGENT_USER:-mp-agent-user-renamed}\""));
    }

    @Test
    void metricFiltersAndExtractorsFollowTheContractsEvents() {
        List<Observability.LogMetric> std = Observability.logMetrics(DEV, S);
        List<Observability.LogMetric> ren = Observability.logMetrics(DEV, RENAMED);
        assertEquals(std.size(), ren.size());
        Map<String, Observability.LogMetric> byName = new LinkedHashMap<>();
        ren.forEach(m -> byName.put(m.name(), m));
        assertTrue(byName.get("mp-dev-rtcp-packet-loss").filter().endsWith("jsonPayload.event=\"call_quality_renamed\""));
        assertEquals("EXTRACT(jsonPayload.loss_renamed)", byName.get("mp-dev-rtcp-packet-loss").valueExtractor());
        assertTrue(byName.get("mp-dev-recording-upload-failures").filter().endsWith("jsonPayload.event=\"upload_failed_renamed\""));
        // Every node-event metric of the standard contract reads an event the contract defines, by its value field.
        Set<String> names = new TreeSet<>();
        S.events().all().forEach(e -> names.add(e.name()));
        for (Observability.LogMetric m : std) {
            Matcher ev = Pattern.compile("jsonPayload\\.event=\"([a-z_]+)\"").matcher(m.filter());
            if (!ev.find()) {
                continue;
            }
            assertTrue(names.contains(ev.group(1)), m.name() + " filters on an event the contract does not define: " + ev.group(1));
            NodeContract.Event e = S.events().all().stream().filter(x -> x.name().equals(ev.group(1))).findFirst().orElseThrow();
            assertEquals(e.valueField() == null ? null : "EXTRACT(jsonPayload." + e.valueField() + ")", m.valueExtractor(), m.name());
        }
    }

    @Test
    void theDrainRunsUnderARenamedContract(@TempDir Path tmp) throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        Files.createDirectories(node.root.resolve("run/mp-renamed"));
        Files.writeString(node.root.resolve("run/mp-renamed/up-renamed"), "");
        Files.writeString(node.state.resolve("freeswitch-active"), "");
        Files.writeString(node.state.resolve("channels"), "0\n");
        Tools.Result r = node.runScript("shutdown-script.sh", Renderer.shutdownScript(DEV, RENAMED), node.env(null), List.of(), null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("{\"event\":\"drain_began_renamed\""), r.output());
        assertTrue(Files.exists(node.root.resolve("run/mp-renamed/draining")));
        assertFalse(Files.exists(node.root.resolve("run/mp-renamed/up-renamed")));
        assertFalse(Files.exists(node.root.resolve("run/mediaplane/draining")), "the old run dir must not be used");
    }

    @Test
    void badDefinitionsAreRefusedWithTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> with(S.paths(), "runDir", "run/relative"));
        assertTrue(e.getMessage().contains("'run/relative'"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class,
                () -> new NodeContract.Event("x_y", "nope", List.of(new NodeContract.Field("a", NodeContract.Type.NUMBER))));
        assertTrue(f.getMessage().contains("'nope'"), f.getMessage());
    }

    @Test
    void bootIteratesTheSecretListInsteadOfIndexingIt() throws Exception {
        String tpl = Files.readString(Scenarios.projectDir().resolve("startup-scripts/startup.sh.ftl"));
        assertFalse(tpl.matches("(?s).*Secrets\\[[0-9]+].*"), "startup.sh.ftl indexes a secret list by position");
        // A further required password is read and checked without touching the template.
        List<NodeContract.Secret> secrets = new ArrayList<>(S.secrets());
        secrets.add(new NodeContract.Secret("extra-password", NodeContract.Need.REQUIRED, NodeContract.Check.PASSWORD,
                NodeContract.Lands.SECRETS_DIR));
        String boot = Renderer.startupScript(DEV, with(S, "secrets", secrets), Scenarios.BUCKET, HASH);
        assertTrue(boot.contains("require_secret 'extra-password' \"$WORK/extra-password\""));
        assertTrue(boot.contains("check_password 'extra-password' \"$WORK/extra-password\""));
    }
}
