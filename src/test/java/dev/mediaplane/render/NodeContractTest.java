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
            with(with(with(S.paths(), "runDir", "/run/mp-renamed"), "jsonCdrDir", "/srv/cdr-renamed"), "readyMarker", "up-renamed"),
            with(S.units(), "healthSocket", "mp-health-renamed.socket"),
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
        Renderer.render(DEV, contract).files().forEach((path, bytes) -> {
            if (!(path.startsWith("node/") && verbatim.contains(path.substring(5))) && !path.equals("MANIFEST.sha256")) {
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
        Map<String, String> renames = Map.of(
                "/run/mediaplane", "/run/mp-renamed",
                "/var/log/freeswitch/json_cdr", "/srv/cdr-renamed",
                "mediaplane-health.socket", "mp-health-renamed.socket",
                "mp_internal_ip", "mp_nic_renamed",
                "mp_call_sid", "mp_sid_renamed",
                "call_quality", "call_quality_renamed",
                "packet_loss_percent", "loss_renamed",
                "drain_started", "drain_began_renamed",
                "mediaplane-secret-prefix", "mp-secrets-renamed",
                "RUN_DIR/ready", "RUN_DIR/up-renamed");
        renames.forEach((old, renamed) -> {
            List<String> users = before.entrySet().stream().filter(e -> e.getValue().contains(old)).map(Map.Entry::getKey).toList();
            assertFalse(users.isEmpty(), "no rendered file uses " + old + ": the rename proves nothing");
            for (String f : users) {
                String g = f.replace("mediaplane-health@", "mp-health-renamed@").replace("mediaplane-health.socket", "mp-health-renamed.socket");
                assertTrue(after.containsKey(g), "the renamed bundle has no " + g + ": " + after.keySet());
                assertTrue(after.get(g).contains(renamed), f + " does not follow the rename of " + old + " to " + renamed);
            }
            after.forEach((f, text) -> assertFalse(text.replace(renamed, "").contains(old),
                    f + " still holds " + old + " after the contract renamed it"));
        });
        // The places that must follow, named: a script, a unit, the XML, the boot script.
        assertTrue(after.get("node/mediaplane-health.sh").contains("RUN_DIR=\"$R/run/mp-renamed\""));
        assertTrue(after.get("node/mp-health-renamed@.service").contains("Requires=mp-health-renamed.socket"));
        assertTrue(after.containsKey("node/mp-health-renamed.socket"), after.keySet().toString());
        assertTrue(after.get("freeswitch/sip_profiles/external.xml").contains("$${mp_nic_renamed}"));
        assertTrue(after.get("freeswitch/autoload_configs/json_cdr.conf.xml").contains("value=\"/srv/cdr-renamed\""));
        assertTrue(after.get("startup-script").contains("data=\"mp_nic_renamed=%s\""));
        assertTrue(after.get("node/mediaplane-call-quality.sh").contains("{\"event\":\"call_quality_renamed\",\"loss_renamed\":%s,\"media_packets\":%s,"));
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

    /**
     * The uploader ships verbatim until the Java agent replaces it (its tests run the file itself):
     * it reads its paths from node.env, and what it still names itself must agree with the contract.
     */
    @Test
    void theVerbatimUploaderAgreesWithTheContract() throws Exception {
        String uploader = Files.readString(Scenarios.projectDir().resolve("startup-scripts/node/" + S.units().uploaderScript()));
        assertTrue(uploader.contains("NODE_ENV_FILE=${MP_NODE_ENV:-" + S.paths().nodeEnv() + "}"));
        assertTrue(uploader.contains("RECORDINGS_DIR=${RECORDINGS_DIR:-" + S.paths().recordingsDir() + "}"));
        assertTrue(uploader.contains("STATE_DIR=${MP_UPLOADER_STATE_DIR:-/var/lib/" + S.paths().uploaderStateDirectory() + "}"));
        Map<String, List<String>> emitted = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*emit ([a-z_]+) [A-Z]+((?: \\\\\\n\\s*|[^\\n])*)").matcher(uploader);
        while (m.find()) {
            List<String> keys = new ArrayList<>();
            Matcher kv = Pattern.compile("\"([a-z_]+):?=").matcher(m.group(2));
            while (kv.find()) {
                keys.add(kv.group(1));
            }
            emitted.put(m.group(1), keys);
        }
        for (NodeContract.Event e : List.of(S.events().recordingUploaded(), S.events().recordingUploadFailed(),
                S.events().diskPressure())) {
            assertTrue(emitted.containsKey(e.name()), "the uploader does not emit " + e.name() + ": " + emitted.keySet());
            assertEquals(e.fields().stream().map(NodeContract.Field::name).toList(), emitted.get(e.name()), e.name());
        }
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
