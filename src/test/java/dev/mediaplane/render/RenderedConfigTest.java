package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.testing.RequiredTools;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The rendered FreeSWITCH configuration parses and carries the values the rest of the stack relies on. */
class RenderedConfigTest {

    static Document parse(String path, byte[] xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            return b.parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new AssertionError(path + " is not well-formed XML: " + e.getMessage(), e);
        }
    }

    /** {@code <param name=... value=...>} of a file, in order; fails on a repeated name. */
    static Map<String, String> params(Bundle b, String path, String parentTag) {
        Document d = parse(path, b.file(path));
        Map<String, String> out = new LinkedHashMap<>();
        NodeList parents = d.getElementsByTagName(parentTag);
        assertTrue(parents.getLength() > 0, path + " has no <" + parentTag + ">");
        NodeList ps = ((Element) parents.item(0)).getElementsByTagName("param");
        for (int i = 0; i < ps.getLength(); i++) {
            Element p = (Element) ps.item(i);
            if (p.getParentNode() != parents.item(0)) {
                continue;
            }
            String prev = out.put(p.getAttribute("name"), p.getAttribute("value"));
            if (prev != null) {
                fail(path + " sets param " + p.getAttribute("name") + " twice");
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyXmlFileParsesWithTheJdkAndXmllint(String scenario, @TempDir Path tmp) throws Exception {
        Bundle b = Renderer.render(Scenarios.config(scenario));
        List<Path> written = new ArrayList<>();
        for (var e : b.files().entrySet()) {
            if (e.getKey().endsWith(".xml")) {
                parse(e.getKey(), e.getValue());
                Path p = tmp.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
                written.add(p);
            }
            String text = new String(e.getValue(), StandardCharsets.UTF_8);
            assertFalse(text.contains("[="), e.getKey() + " holds an unrendered [=...] interpolation");
        }
        assertEquals(Renderer.FREESWITCH_FILES.size(), written.size());
        RequiredTools.require("xmllint");
        for (Path p : written) {
            Tools.Result r = Tools.run(List.of("xmllint", "--noout", p.toString()), Map.of(), tmp);
            assertEquals(0, r.exit(), "xmllint " + tmp.relativize(p) + ":\n" + r.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eventSocketListensOnlyOnTheInternalAddressWithRestrictedLogin(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        Bundle b = Renderer.render(c);
        Map<String, String> esl = params(b, "freeswitch/autoload_configs/event_socket.conf.xml", "settings");
        String ip = esl.get("listen-ip");
        assertNotNull(ip, "event_socket has no listen-ip (FreeSWITCH would default to a wildcard)");
        for (String wildcard : List.of("0.0.0.0", "::", "[::]", "")) {
            assertFalse(ip.trim().equals(wildcard), "event_socket listens on wildcard '" + ip + "'");
        }
        assertEquals("$${mp_internal_ip}", ip);
        assertEquals(String.valueOf(c.controller().eslPort()), esl.get("listen-port"));
        assertEquals("mp_esl", esl.get("apply-inbound-acl"));
        assertFalse(esl.get("password").equalsIgnoreCase("ClueCon"));
        assertTrue(esl.get("password").matches("\\$\\$\\{mp_[a-z_]+}"), "ESL password must be a boot-time variable");

        Map<String, String> user = params(b, "freeswitch/directory/mediaplane.xml", "params");
        Set<String> allowed = Set.of(user.get("esl-allowed-api").split(" "));
        for (String dangerous : List.of("system", "bgsystem", "spawn", "bg_spawn", "fsctl", "load", "unload", "lua",
                "luarun", "eval", "expand", "originate", "bgapi", "sched_api", "shutdown")) {
            assertFalse(allowed.contains(dangerous), "controller ESL user may run " + dangerous);
        }
        assertEquals("$${mp_esl_password}", user.get("esl-password"));
    }

    /** The directory's ESL users by id, each user's params (parsed with an XML parser, not grepped). */
    static Map<String, Map<String, String>> eslUsers(Bundle b) {
        Document d = parse("directory/mediaplane.xml", b.file("freeswitch/directory/mediaplane.xml"));
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        NodeList users = d.getElementsByTagName("user");
        for (int i = 0; i < users.getLength(); i++) {
            Element u = (Element) users.item(i);
            Map<String, String> ps = new LinkedHashMap<>();
            NodeList params = u.getElementsByTagName("param");
            for (int j = 0; j < params.getLength(); j++) {
                Element p = (Element) params.item(j);
                assertEquals(null, ps.put(p.getAttribute("name"), p.getAttribute("value")), "user " + u.getAttribute("id") + " sets "
                        + p.getAttribute("name") + " twice");
            }
            assertEquals(null, out.put(u.getAttribute("id"), ps), "user " + u.getAttribute("id") + " twice");
        }
        return out;
    }

    /** The API names (first word after "api " or "bgapi ") of a dry-run plan's lines: what the code says it sends. */
    static Set<String> apis(List<String> plan) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(?:bg)?api ([a-z_]+)").matcher(String.join("\n", plan));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theOperatorUserMayRunWhatTheDayTwoCommandsSendAndTheControllerStillMayNot(String scenario) {
        Bundle b = Renderer.render(Scenarios.config(scenario));
        Map<String, Map<String, String>> users = eslUsers(b);
        assertEquals(Set.of("controller", "operator"), users.keySet());

        Set<String> controller = Set.of(users.get("controller").get("esl-allowed-api").split(" "));
        for (String api : List.of("originate", "fsctl", "sofia", "reloadxml")) {
            assertFalse(controller.contains(api), "controller may run " + api);
        }
        assertEquals(NodeModel.ESL_ALLOWED_API, List.of(users.get("controller").get("esl-allowed-api").split(" ")), "controller unchanged");

        Map<String, String> op = users.get("operator");
        List<String> operator = List.of(op.get("esl-allowed-api").split(" "));
        assertEquals(NodeModel.ESL_OPERATOR_API, operator);
        assertEquals("$${" + NodeContract.STANDARD.vars().eslOperatorPassword() + "}", op.get("esl-password"));
        assertEquals("false", op.get("esl-allowed-log"));
        for (String dangerous : List.of("system", "bgsystem", "spawn", "bg_spawn", "load", "unload", "lua", "luarun", "eval",
                "expand", "bgapi", "sched_api", "xml_wrap", "shutdown", "global_setvar")) {
            assertFalse(operator.contains(dangerous), "operator ESL user may run " + dangerous);
        }

        // What the test call of smoke and synthetic, and smoke's ready check, say they send (their dry-run plans, built
        // from the same code); drain and undrain are run for real against the strict stand-in in DrainCommandTest.
        var spec = new dev.mediaplane.ops.smoke.TestCall.Spec("10.42.0.5", 5061, java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(5), true);
        Set<String> sent = apis(dev.mediaplane.ops.smoke.TestCall.plan(spec, "org"));
        sent.addAll(apis(dev.mediaplane.ops.smoke.Smoke.plan(new dev.mediaplane.ops.smoke.Smoke.Target("n", "10.42.0.5", 5061, null,
                dev.mediaplane.esl.EslCredentials.userauth("10.42.0.5", 8021, "operator@mediaplane", "x-unused-password")))));
        assertTrue(sent.containsAll(Set.of("originate", "uuid_kill", "uuid_setvar", "status")), "the plans name them: " + sent);
        assertTrue(operator.containsAll(sent), "operator may not run " + sent);

        Set<String> events = Set.of(op.get("esl-allowed-events").split(" "));
        assertTrue(events.containsAll(dev.mediaplane.ops.smoke.TestCall.EVENTS), events.toString());
        assertTrue(events.contains("BACKGROUND_JOB"), "bgapi's result is a BACKGROUND_JOB event");
        assertFalse(events.contains("all") || events.contains("ALL"));
    }

    /** originate ... &app(...) may run a dialplan app: the system apps and APIs are off before modules load. */
    @Test
    void varsTurnOffTheSystemAppsAndApisBeforeAnyModuleLoads() {
        Document d = parse("vars.xml", Renderer.render(Scenarios.config("dev")).file("freeswitch/vars.xml"));
        Map<String, String> set = new LinkedHashMap<>();
        NodeList pp = d.getElementsByTagName("X-PRE-PROCESS");
        for (int i = 0; i < pp.getLength(); i++) {
            Element e = (Element) pp.item(i);
            if (e.getAttribute("cmd").equals("set")) {
                String[] kv = e.getAttribute("data").split("=", 2);
                set.put(kv[0], kv[1]);
            }
        }
        assertEquals("true", set.get("disable_system_app_commands"));
        assertEquals("true", set.get("disable_system_api_commands"));
    }

    /**
     * What the internal load balancer carries (internal SIP) listens on its address, which boot
     * writes into the node include; ESL and the internal profile stay on the node's address.
     */
    @Test
    void aBalancedFleetListensForInternalSipOnTheBalancerAddressAndEslStaysOnTheNode() {
        StackConfig c = Scenarios.config("prod");
        assertTrue(c.fleet().balanced(), "prod autoscales: it has an internal load balancer");
        Bundle b = Renderer.render(c);
        Document d = parse("ilb.xml", b.file("freeswitch/sip_profiles/ilb.xml"));
        assertEquals("profile", d.getDocumentElement().getTagName());
        assertEquals("ilb", d.getDocumentElement().getAttribute("name"));
        Map<String, String> ilb = params(b, "freeswitch/sip_profiles/ilb.xml", "settings");
        Map<String, String> internal = params(b, "freeswitch/sip_profiles/internal.xml", "settings");
        assertEquals("$${" + NodeContract.STANDARD.vars().ilbVip() + "}", ilb.get("sip-ip"));
        assertEquals("$${mp_internal_ip}", ilb.get("rtp-ip"), "media goes to the node, never through the balancer");
        assertEquals(String.valueOf(c.controller().internalSipPort()), ilb.get("sip-port"));
        // Same hardening and controls as the internal profile, only the SIP address differs.
        Map<String, String> rest = new LinkedHashMap<>(ilb);
        rest.remove("sip-ip");
        Map<String, String> internalRest = new LinkedHashMap<>(internal);
        internalRest.remove("sip-ip");
        assertEquals(internalRest, rest);
        assertEquals("$${mp_internal_ip}", internal.get("sip-ip"), "a controller can still reach one node");
        assertEquals("$${mp_internal_ip}", params(b, "freeswitch/autoload_configs/event_socket.conf.xml", "settings")
                .get("listen-ip"), "ESL is per node: never on the balancer's address");
        // Boot defines the variable the profile binds, from the instance attribute the template carries.
        String boot = Renderer.startupScript(c, Scenarios.BUCKET, b.hash());
        assertTrue(boot.contains("ILB_VIP=\"$(metadata instance/attributes/mediaplane-ilb-vip)\""), boot);
        assertTrue(boot.contains("data=\"" + NodeContract.STANDARD.vars().ilbVip() + "=%s\"/>\\n' \"$ILB_VIP\""), boot);
    }

    @Test
    void aOneNodeFleetRendersNoBalancerListener() {
        StackConfig c = Scenarios.config("dev");
        assertFalse(c.fleet().balanced());
        Bundle b = Renderer.render(c);
        Document d = parse("ilb.xml", b.file("freeswitch/sip_profiles/ilb.xml"));
        assertEquals("include", d.getDocumentElement().getTagName());
        assertEquals(0, d.getElementsByTagName("profile").getLength());
        assertEquals(0, d.getElementsByTagName("param").getLength());
        for (var e : b.files().entrySet()) {
            if (e.getKey().endsWith(".xml")) {
                assertFalse(new String(e.getValue(), StandardCharsets.UTF_8).contains("$${mp_ilb_vip}"),
                        e.getKey() + " binds the balancer address on a fleet without one");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void rtpRangeSessionsAndProfilePortsComeFromTheConfigRecord(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        assertPortsMatch(c, Renderer.render(c));
    }

    @Test
    void changedPortsAndLimitsFlowThroughToEveryFile() throws Exception {
        String text = Files.readString(Scenarios.projectDir().resolve("Pulumi.dev.yaml"))
                .replace("rtpStartPort: 16384", "rtpStartPort: 20000")
                .replace("rtpEndPort: 32767", "rtpEndPort: 29999")
                .replace("fleetMaxSessions: 500", "fleetMaxSessions: 321")
                .stripTrailing()
                + "\n  mediaplane:trunkSipTlsPort: 5071\n  mediaplane:controllerEslPort: 8031"
                + "\n  mediaplane:controllerInternalSipPort: 5090\n  mediaplane:fleetHealthPort: 8099\n";
        StackConfig c = dev.mediaplane.config.StackFileLoader.parse("dev", "edited", text).config();
        assertEquals(20000, c.rtp().startPort());
        Bundle b = Renderer.render(c);
        assertPortsMatch(c, b);
        assertTrue(new String(b.file("node/" + NodeContract.STANDARD.opsAgent().bundleFile()), StandardCharsets.UTF_8)
                .contains("targets: ['127.0.0.1:8099']"), "the Ops Agent scrapes the agent on the health port");
        assertFalse(b.hash().equals(Renderer.render(Scenarios.config("dev")).hash()), "a config change must change the release hash");
    }

    static void assertPortsMatch(StackConfig c, Bundle b) {
        Map<String, String> sw = params(b, "freeswitch/autoload_configs/switch.conf.xml", "settings");
        assertEquals(String.valueOf(c.rtp().startPort()), sw.get("rtp-start-port"));
        assertEquals(String.valueOf(c.rtp().lastRtpPort()), sw.get("rtp-end-port"));
        assertEquals(String.valueOf(c.fleet().maxSessions()), sw.get("max-sessions"));
        assertEquals(String.valueOf(c.fleet().sessionsPerSecond()), sw.get("sessions-per-second"));

        Map<String, String> ext = params(b, "freeswitch/sip_profiles/external.xml", "settings");
        assertEquals(String.valueOf(c.trunk().sipTlsPort()), ext.get("tls-sip-port"));
        assertEquals("true", ext.get("tls-only"), "the external profile must not listen in clear");
        assertEquals("true", ext.get("tls"));
        Map<String, String> in = params(b, "freeswitch/sip_profiles/internal.xml", "settings");
        assertEquals(String.valueOf(c.controller().internalSipPort()), in.get("sip-port"));
        Map<String, String> esl = params(b, "freeswitch/autoload_configs/event_socket.conf.xml", "settings");
        assertEquals(String.valueOf(c.controller().eslPort()), esl.get("listen-port"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void mediaTimeoutsAreTheChannelVariablesNotTheDeprecatedProfileParams(String scenario) {
        Bundle b = Renderer.render(Scenarios.config(scenario));
        for (String path : b.files().keySet()) {
            // A one-node fleet's ilb.xml is an empty include (aOneNodeFleetRendersNoBalancerListener).
            if (path.startsWith("freeswitch/sip_profiles/")
                    && parse(path, b.file(path)).getElementsByTagName("settings").getLength() > 0) {
                // sofia.c: "rtp-timeout-sec deprecated use media_timeout variable." (and -hold-).
                Map<String, String> settings = params(b, path, "settings");
                assertFalse(settings.containsKey("rtp-timeout-sec"), path);
                assertFalse(settings.containsKey("rtp-hold-timeout-sec"), path);
            }
        }
        // Global variables: a channel variable lookup falls back to them (switch_channel.c,
        // switch_channel_get_variable_dup), and switch_core_media.c reads them in milliseconds.
        Map<String, String> vars = new HashMap<>();
        Matcher m = Pattern.compile("<X-PRE-PROCESS cmd=\"set\" data=\"([a-z_]+)=([^\"]*)\"/>")
                .matcher(new String(b.file("freeswitch/vars.xml"), StandardCharsets.UTF_8));
        while (m.find()) {
            vars.put(m.group(1), m.group(2));
        }
        assertEquals("300000", vars.get("media_timeout"), "5 min without RTP ends a call, in ms");
        assertEquals("1800000", vars.get("media_hold_timeout"), "30 min on hold, in ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void externalProfileIsHardenedTls(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        Bundle b = Renderer.render(c);
        Map<String, String> vars = setVariables(b);
        Map<String, String> ext = params(b, "freeswitch/sip_profiles/external.xml", "settings");
        String version = expand(ext.get("tls-version"), vars);
        assertEquals(new TreeSet<>(List.of("tlsv1.2", "tlsv1.3")), new TreeSet<>(List.of(version.split(","))));
        for (String cipher : expand(ext.get("tls-ciphers"), vars).split(":")) {
            assertTrue(cipher.startsWith("ECDHE-") && (cipher.contains("-GCM-") || cipher.endsWith("CHACHA20-POLY1305")),
                    "not a forward-secret AEAD suite: " + cipher);
        }
        assertEquals(c.trunk().verifyPeer() ? "out" : "none", ext.get("tls-verify-policy"));
        // autonat: the external address for the trunk, the internal one for the node's own test calls. A plain
        // address in either makes mod_sofia put it in every Contact (tried on FreeSWITCH 1.11.2: smoke's self-call
        // never got its ACK and BYE).
        assertEquals("autonat:$${mp_external_ip}", ext.get("ext-sip-ip"));
        assertEquals("autonat:$${mp_external_ip}", ext.get("ext-rtp-ip"));
        assertEquals("mp_trunk", ext.get("apply-inbound-acl"));
        for (String profile : List.of("external", "internal")) {
            Map<String, String> p = params(b, "freeswitch/sip_profiles/" + profile + ".xml", "settings");
            assertEquals("true", p.get("log-auth-failures"), profile);
            assertEquals("$${mp_internal_ip}", p.get("sip-ip"), profile);
        }
        assertEquals("mp_controllers", params(b, "freeswitch/sip_profiles/internal.xml", "settings").get("apply-inbound-acl"));
        Map<String, String> gw = params(b, "freeswitch/sip_profiles/external.xml", "gateway");
        assertEquals("$${mp_sip_trunk_password}", gw.get("password"));
        assertEquals(c.trunk().username(), gw.get("username"));
        assertEquals("tls", gw.get("register-transport"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void aclListsHoldExactlyTheConfiguredRanges(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        Document d = parse("acl", Renderer.render(c).file("freeswitch/autoload_configs/acl.conf.xml"));
        Map<String, List<String>> lists = new HashMap<>();
        NodeList ls = d.getElementsByTagName("list");
        for (int i = 0; i < ls.getLength(); i++) {
            Element l = (Element) ls.item(i);
            assertEquals("deny", l.getAttribute("default"), l.getAttribute("name"));
            List<String> cidrs = new ArrayList<>();
            NodeList ns = l.getElementsByTagName("node");
            for (int j = 0; j < ns.getLength(); j++) {
                cidrs.add(((Element) ns.item(j)).getAttribute("cidr"));
            }
            lists.put(l.getAttribute("name"), cidrs);
        }
        // The node itself too: smoke's and synthetic's test calls dial the external profile from the node.
        List<String> trunk = new ArrayList<>(c.trunk().signalingCidrs());
        trunk.add("$${mp_internal_ip}/32");
        assertEquals(trunk, lists.get("mp_trunk"));
        assertEquals(c.controller().cidrs(), lists.get("mp_controllers"));
        List<String> esl = new ArrayList<>(c.controller().cidrs());
        esl.add("$${mp_internal_ip}/32");
        assertEquals(esl, lists.get("mp_esl"));
    }

    @Test
    void everyTemplateIsRenderedAndEveryRenderedFileHasATemplate() throws Exception {
        Path dir = Scenarios.projectDir().resolve("templates/freeswitch");
        Set<String> templates = new TreeSet<>();
        try (var s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> templates.add(dir.relativize(p).toString().replace('\\', '/')));
        }
        Set<String> expected = new TreeSet<>();
        Renderer.FREESWITCH_FILES.forEach(f -> expected.add(f + ".ftlx"));
        assertEquals(expected, templates, "templates/freeswitch and Renderer.FREESWITCH_FILES must list the same files");
        Path scripts = Scenarios.projectDir().resolve("startup-scripts/node");
        if (!Files.isDirectory(scripts)) {
            return; // no verbatim node files left: everything the node runs is rendered or the agent jar
        }
        try (var s = Files.list(scripts)) {
            Bundle b = Renderer.render(Scenarios.config("dev"));
            for (Path p : s.toList()) {
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(p), b.file("node/" + p.getFileName())),
                        "startup-scripts/node/" + p.getFileName() + " must ship verbatim");
            }
        }
    }

    @Test
    void modulesAreExactlyTheMediaPlanesSet() {
        Document d = parse("modules", Renderer.render(Scenarios.config("dev")).file("freeswitch/autoload_configs/modules.conf.xml"));
        NodeList ls = d.getElementsByTagName("load");
        Set<String> loaded = new TreeSet<>();
        for (int i = 0; i < ls.getLength(); i++) {
            loaded.add(((Element) ls.item(i)).getAttribute("module"));
        }
        assertEquals(new TreeSet<>(List.of("mod_console", "mod_logfile", "mod_event_socket", "mod_sofia", "mod_commands",
                "mod_dptools", "mod_dialplan_xml", "mod_conference", "mod_valet_parking", "mod_sndfile", "mod_native_file",
                "mod_tone_stream", "mod_loopback")), loaded);
    }

    @Test
    void loggingCostsNothingPerCall() {
        Bundle b = Renderer.render(Scenarios.config("prod"));
        assertEquals("notice", params(b, "freeswitch/autoload_configs/switch.conf.xml", "settings").get("loglevel"));
        String logfile = new String(b.file("freeswitch/autoload_configs/logfile.conf.xml"), StandardCharsets.UTF_8);
        assertFalse(logfile.contains("debug") || logfile.contains("info,"), "logfile maps per-call levels");
        for (String profile : List.of("external", "internal")) {
            Map<String, String> p = params(b, "freeswitch/sip_profiles/" + profile + ".xml", "settings");
            assertEquals("no", p.get("sip-trace"), profile);
            assertEquals("0", p.get("debug"), profile);
        }
    }

    /** Every $${var} the config uses is defined: by vars.xml or by the includes boot writes. */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyPreprocessorVariableIsDefined(String scenario) {
        StackConfig c = Scenarios.config(scenario);
        Bundle b = Renderer.render(c);
        Set<String> defined = new TreeSet<>(setVariables(b).keySet());
        Matcher boot = Pattern.compile("data=\"(mp_[a-z_]+)=").matcher(Renderer.startupScript(c, Scenarios.BUCKET, b.hash()));
        while (boot.find()) {
            defined.add(boot.group(1));
        }
        assertTrue(defined.containsAll(List.of("mp_internal_ip", "mp_external_ip", "mp_esl_password",
                "mp_esl_admin_password", "mp_sip_trunk_password")), "boot writes " + defined);
        Pattern use = Pattern.compile("\\$\\$\\{([A-Za-z0-9_]+)}");
        for (var e : b.files().entrySet()) {
            if (!e.getKey().startsWith("freeswitch/")) {
                continue;
            }
            Matcher m = use.matcher(new String(e.getValue(), StandardCharsets.UTF_8));
            while (m.find()) {
                assertTrue(defined.contains(m.group(1)), e.getKey() + " uses $${" + m.group(1) + "}, defined nowhere");
            }
        }
    }

    @Test
    void plantedSecretValuesAppearInNoRenderedFile() throws Exception {
        StringBuilder extra = new StringBuilder();
        List<String> markers = new ArrayList<>();
        for (NodeSecret s : NodeSecret.values()) {
            String marker = "PLANTED-" + s.name() + "-7f3a9c";
            markers.add(marker);
            extra.append("  mediaplane:").append(s.configKey()).append(":\n    secure: ").append(marker).append('\n');
        }
        var loaded = Scenarios.withExtra("dev", extra.toString());
        assertEquals(Set.of(NodeSecret.values()), loaded.config().providedSecrets());
        Bundle b = Renderer.render(loaded.config());
        List<String> texts = new ArrayList<>();
        b.files().values().forEach(v -> texts.add(new String(v, StandardCharsets.UTF_8)));
        texts.add(b.manifest());
        texts.add(Renderer.startupScript(loaded.config(), Scenarios.BUCKET, b.hash()));
        texts.add(Renderer.shutdownScript(loaded.config()));
        for (String t : texts) {
            for (String m : markers) {
                assertFalse(t.contains(m), "secret marker " + m + " leaked into rendered output");
            }
        }
    }

    @Test
    void startupScriptIsSmallForMetadataAndRejectsBadInputs() {
        StackConfig c = Scenarios.config("prod");
        Bundle b = Renderer.render(c);
        assertTrue(Renderer.startupScript(c, Scenarios.BUCKET, b.hash()).length() < 64 * 1024);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Renderer.startupScript(c, Scenarios.BUCKET, "abc"));
        assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Renderer.startupScript(c, "Bad Bucket'", b.hash()));
        assertTrue(e.getMessage().contains("Bad Bucket'"), e.getMessage());
    }

    static Map<String, String> setVariables(Bundle b) {
        Map<String, String> vars = new HashMap<>();
        Matcher m = Pattern.compile("<X-PRE-PROCESS cmd=\"set\" data=\"([A-Za-z0-9_]+)=([^\"]*)\"/>")
                .matcher(new String(b.file("freeswitch/vars.xml"), StandardCharsets.UTF_8));
        while (m.find()) {
            vars.put(m.group(1), m.group(2));
        }
        return vars;
    }

    static String expand(String value, Map<String, String> vars) {
        Matcher m = Pattern.compile("^\\$\\$\\{([A-Za-z0-9_]+)}$").matcher(value);
        return m.matches() ? vars.get(m.group(1)) : value;
    }
}
