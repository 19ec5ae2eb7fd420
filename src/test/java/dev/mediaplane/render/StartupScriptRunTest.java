package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.testing.BasicAuthRepo;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import dev.mediaplane.testing.RequiredTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered startup script, run by real bash in a temporary root against a loopback stand-in
 * for the metadata server, GCS and Secret Manager.
 */
class StartupScriptRunTest {
    static final String SIP_PW = "PLANTEDsipPw-4d1e9a77";
    static final String ESL_PW = "PLANTEDeslPw-0c93b2aa";
    static final String CERT = "PLANTEDcert-55aa";
    static final String KEY = "PLANTEDkey-66bb";
    static final String DEEPGRAM = "PLANTEDdeepgram-77cc";
    static final String TOKEN = "ya29.PLANTED-TOKEN-b81e";
    static final String OPERATOR_PW = "PLANTEDoperatorPw-1f2e3d4c";
    static final List<String> MARKERS = List.of(SIP_PW, ESL_PW, KEY, DEEPGRAM, TOKEN, OPERATOR_PW);

    /** A runnable agent stand-in every release of these tests bundles: boot's unit start runs it for real. */
    @TempDir
    static Path fixtureDir;
    static Path liveJar;

    @TempDir
    Path tmp;
    GcpStandIn gcp;
    /** The releases bucket the plan declares; boot reads the bundle from it. */
    String releasesBucket;
    /** The node's service account, with the grants the plan declares (PlannedNode). */
    String nodeSa;
    NodeSandbox node;
    StackConfig config;

    @org.junit.jupiter.api.BeforeAll
    static void buildAgentFixture() {
        liveJar = AgentJarFixture.live(fixtureDir);
    }

    static Bundle render(StackConfig c) {
        return Renderer.render(c, NodeContract.STANDARD, liveJar);
    }

    @BeforeEach
    void setUp() throws Exception {
        // The cloud as the plan declares it: buckets, secrets (no versions in dev) and the node's grants.
        PlannedNode.Cloud cloud = PlannedNode.start(PlannedNode.plan("dev", Map.of()));
        gcp = cloud.gcp();
        releasesBucket = cloud.releasesBucket();
        nodeSa = gcp.instanceServiceAccount();
        gcp.useToken(nodeSa, TOKEN);
        node = new NodeSandbox(tmp);
        config = Scenarios.config("dev");
        gcp.metadata.putAll(Map.of(
                "project/project-id", "mediaplane-dev-000000",
                "instance/zone", "projects/123456789/zones/europe-west1-b",
                "instance/name", "mp-dev-node-x1z2",
                "instance/network-interfaces/0/ip", "10.42.0.5",
                "instance/network-interfaces/0/access-configs/0/external-ip", "34.0.0.7",
                "instance/attributes/mediaplane-secret-prefix", "mp-dev",
                "instance/attributes/mediaplane-recordings-bucket", "mediaplane-dev-000000-mp-dev-recordings",
                "instance/attributes/mediaplane-events-topic", "mp-dev-recording-events",
                "instance/attributes/mediaplane-stack", "dev"));
        gcp.addSecretVersion("mp-dev-sip-trunk-password", SIP_PW.getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-esl-password", (ESL_PW + "\n").getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-tls-certificate",
                ("-----BEGIN CERTIFICATE-----\n" + CERT + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-tls-private-key",
                ("-----BEGIN PRIVATE KEY-----\n" + KEY + "\n-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-deepgram-api-key", DEEPGRAM.getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    /** Uploads a bundle the way the release step does and returns its startup script. */
    String publish(StackConfig c) {
        Bundle b = render(c);
        b.files().forEach((p, bytes) -> gcp.putObject(releasesBucket, "releases/" + b.hash() + "/" + p, bytes));
        gcp.putObject(releasesBucket, "releases/" + b.hash() + "/MANIFEST.sha256", b.manifest().getBytes(StandardCharsets.UTF_8));
        return Renderer.startupScript(c, releasesBucket, b.hash());
    }

    Tools.Result boot(String script) throws Exception {
        return node.runScript("startup-script.sh", script, node.env(gcp), MARKERS, null);
    }

    Path at(String path) {
        return node.root.resolve(path);
    }

    /** {@code stat -c %a}: the octal mode with its special bits (PosixFilePermissions has no set-group-id). */
    String statMode(String path) throws Exception {
        Tools.Result r = Tools.run(List.of("stat", "-c", "%a", at(path).toString()), Map.of(), node.root);
        assertEquals(0, r.exit(), r.output());
        return r.output().trim();
    }

    String mode(String path) throws Exception {
        PosixFileAttributes a = Files.readAttributes(at(path), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals(node.user, a.owner().getName(), path + " owner");
        return PosixFilePermissions.toString(a.permissions()) + " " + a.group().getName();
    }

    @Test
    void bootInstallsTheReleaseSecretsAndUnitsThenASecondRunChangesNothing() throws Exception {
        String script = publish(config);
        String hash = render(config).hash();
        Tools.Result first = boot(script);
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("node ready: release " + hash), first.output());
        assertTrue(gcp.refusals().isEmpty(), "requests the real services would reject: " + gcp.refusals());

        assertEquals(Path.of("releases/" + hash), Files.readSymbolicLink(at("opt/mediaplane/current")));
        assertEquals(Path.of("current/node"), Files.readSymbolicLink(at("opt/mediaplane/node")));
        Path release = at("opt/mediaplane/releases/" + hash);
        for (var e : render(config).files().entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), Files.readAllBytes(release.resolve(e.getKey()))), e.getKey());
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                release.resolve("node/mediaplane-drain.sh"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                release.resolve("node/mediaplane-agent.jar"))), "the agent user reads the jar; nobody executes it");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(liveJar), Files.readAllBytes(at("opt/mediaplane/node/mediaplane-agent.jar"))),
                "the unit's jar path resolves to the release's jar");

        String g = node.group;
        assertEquals("rw-r--r-- " + g, mode("etc/mediaplane/freeswitch/node.xml"));
        assertEquals("rw-r----- " + g, mode("etc/mediaplane/freeswitch/secrets.xml"));
        assertEquals("rwxr-x--- " + g, mode("etc/mediaplane/freeswitch"));
        assertEquals("rwxr-x--- " + g, mode("etc/mediaplane/tls"));
        assertEquals("rw-r----- " + g, mode("etc/mediaplane/tls/agent.pem"));
        assertEquals("rw-r--r-- " + g, mode("etc/mediaplane/tls/cafile.pem"));
        assertEquals("rwx------ " + g, mode("etc/mediaplane/secrets"));
        assertEquals("rwxr-x--- " + g, mode("etc/mediaplane/agent"));
        assertEquals("rw-r----- " + g, mode("etc/mediaplane/agent/deepgram-api-key"), "the agent's group reads the key");
        assertFalse(Files.exists(at("etc/mediaplane/secrets/deepgram-api-key")), "the agent's unit hides the secrets dir");
        assertEquals("2770", statMode("run/mediaplane/streams"), "FreeSWITCH writes the taps, set-group-id to the agent's group");
        assertEquals("rw------- " + g, mode("etc/mediaplane/secrets/esl-admin-password"));
        assertEquals("rw------- " + g, mode("etc/fs_cli.conf"));
        assertEquals("rw-r--r-- " + g, mode("etc/mediaplane/node.env"));
        assertEquals("rwxr-x--- " + g, mode("var/lib/mediaplane/recordings"));
        assertEquals("rwx------ " + g, mode("var/lib/mediaplane/agent"));
        assertEquals("rw------- " + g, mode("etc/mediaplane/agent-esl.conf"));
        assertFalse(Files.exists(at("var/log/freeswitch/json_cdr")), "no CDRs: nothing reads them any more");
        assertFalse(Files.exists(at("etc/mediaplane/secrets/assemblyai-api-key")), "absent optional secret must not be written");
        assertFalse(Files.exists(at("etc/mediaplane/agent/assemblyai-api-key")), "absent optional secret must not be written");

        String nodeXml = Files.readString(at("etc/mediaplane/freeswitch/node.xml"));
        assertTrue(nodeXml.contains("data=\"mp_internal_ip=10.42.0.5\""), nodeXml);
        assertTrue(nodeXml.contains("data=\"mp_external_ip=34.0.0.7\""), nodeXml);
        String secretsXml = Files.readString(at("etc/mediaplane/freeswitch/secrets.xml"));
        assertTrue(secretsXml.contains("data=\"mp_esl_password=" + ESL_PW + "\"/>"), "trailing newline of a secret must be dropped");
        assertTrue(secretsXml.contains("data=\"mp_sip_trunk_password=" + SIP_PW + "\"/>"));
        RenderedConfigTest.parse("node.xml", nodeXml.getBytes(StandardCharsets.UTF_8));
        RenderedConfigTest.parse("secrets.xml", secretsXml.getBytes(StandardCharsets.UTF_8));
        String agent = Files.readString(at("etc/mediaplane/tls/agent.pem"));
        assertTrue(agent.contains(CERT) && agent.contains(KEY));
        String fsCli = Files.readString(at("etc/fs_cli.conf"));
        assertTrue(fsCli.contains("host => 10.42.0.5\nport => 8021\n"), fsCli);
        assertEquals(fsCli, Files.readString(at("etc/mediaplane/agent-esl.conf")), "the agent's login is fs_cli.conf's format");
        String admin = Files.readString(at("etc/mediaplane/secrets/esl-admin-password"));
        assertTrue(admin.matches("[A-Za-z0-9]{40}"), "admin password shape");
        assertTrue(secretsXml.contains("mp_esl_admin_password=" + admin + "\""));
        // No version of the operator's secret: its user gets this node's random value, generated once, root-only.
        assertEquals("rw------- " + g, mode("etc/mediaplane/secrets/esl-operator-password-fallback"));
        String operator = Files.readString(at("etc/mediaplane/secrets/esl-operator-password-fallback"));
        assertTrue(operator.matches("[A-Za-z0-9]{40}"), "operator fallback shape, never empty");
        assertNotEquals(admin, operator);
        assertTrue(secretsXml.contains("data=\"mp_esl_operator_password=" + operator + "\"/>"), secretsXml);
        assertTrue(first.output().contains("optional secret mp-dev-esl-operator-password not available (HTTP 404)"), first.output());
        // One format for boot and the agent's secret refresh (agent/secrets): the same bytes from the same values.
        assertEquals(NodeContract.STANDARD.vars().secretsInclude(Map.of(NodeContract.STANDARD.vars().eslPassword(), ESL_PW,
                NodeContract.STANDARD.vars().eslOperatorPassword(), operator,
                NodeContract.STANDARD.vars().eslAdminPassword(), admin, NodeContract.STANDARD.vars().sipTrunkPassword(), SIP_PW)),
                secretsXml);
        assertFalse(Files.exists(at("var/lib/mediaplane/agent/secrets-pending")), "FreeSWITCH started on the files: nothing owed");

        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(at("etc/mediaplane/node.env"))) {
            String[] kv = line.split("=", 2);
            env.put(kv[0], kv[1]);
        }
        assertEquals(Map.ofEntries(Map.entry("STACK", "dev"), Map.entry("PROJECT", "mediaplane-dev-000000"), Map.entry("ZONE", "europe-west1-b"), Map.entry("NODE_NAME", "mp-dev-node-x1z2"), Map.entry("RELEASE_HASH", hash), Map.entry("RELEASES_BUCKET", releasesBucket), Map.entry("RECORDINGS_DIR", "/var/lib/mediaplane/recordings"), Map.entry("RECORDINGS_BUCKET", "mediaplane-dev-000000-mp-dev-recordings"), Map.entry("EVENTS_TOPIC", "mp-dev-recording-events"), Map.entry("HEALTH_PORT", "8088"), Map.entry("INTERNAL_IP", "10.42.0.5"), Map.entry("ESL_CONF", "/etc/mediaplane/agent-esl.conf"), Map.entry("AGENT_STATE_DIR", "/var/lib/mediaplane/agent"), Map.entry("SECRET_PREFIX", "mp-dev"), Map.entry("SECRET_REFRESH_SECONDS", "60"), Map.entry("SIP_PROFILES", "external,internal"), Map.entry("STREAMS_DIR", "/run/mediaplane/streams"), Map.entry("STT_KEYS_DIR", "/etc/mediaplane/agent"), Map.entry("STREAM_PROVIDER", "none")), env);

        assertTrue(Files.isRegularFile(at("etc/systemd/system/freeswitch.service.d/mediaplane.conf")));
        String agentUnit = Files.readString(at("etc/systemd/system/mediaplane-agent.service"));
        assertEquals("ExecStart=/usr/bin/java -Xms32m -Xmx128m -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m"
                + " -XX:MaxDirectMemorySize=32m -Xss512k -XX:+UseSerialGC -XX:-UsePerfData"
                + " -XX:+ExitOnOutOfMemoryError -jar /opt/mediaplane/node/mediaplane-agent.jar --node-env /etc/mediaplane/node.env",
                agentUnit.lines().filter(l -> l.startsWith("ExecStart=")).reduce((a, b) -> b).orElseThrow());
        assertEquals("rw-r--r-- " + g, mode("etc/systemd/system/mediaplane-agent.service"));
        List<String> unitLines = agentUnit.lines().toList();
        for (String line : List.of("SuccessExitStatus=143",
                "ExecStartPre=+/usr/bin/install -d -m 2770 -o freeswitch -g mediaplane-agent /run/mediaplane/streams",
                "AmbientCapabilities=CAP_DAC_OVERRIDE CAP_SYS_PTRACE CAP_CHOWN",
                "CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_SYS_PTRACE CAP_CHOWN",
                "SystemCallFilter=~ptrace process_vm_readv process_vm_writev",
                "ReadWritePaths=/var/lib/mediaplane/recordings /var/lib/mediaplane/agent /run/mediaplane/streams"
                        + " /etc/mediaplane/freeswitch /etc/mediaplane/tls /etc/mediaplane/agent",
                "InaccessiblePaths=-/etc/mediaplane/secrets -/etc/fs_cli.conf")) {
            assertTrue(unitLines.contains(line), line + " in the installed unit:\n" + agentUnit);
        }
        try (var units = Files.list(at("etc/systemd/system"))) {
            assertEquals(List.of("freeswitch.service.d", "mediaplane-agent.service"),
                    units.map(p -> p.getFileName().toString()).sorted().toList(), "the agent replaced every bash unit");
        }
        String systemctl = node.log("systemctl.log");
        assertTrue(systemctl.contains("daemon-reload\n"), systemctl);
        assertTrue(systemctl.contains("enable mediaplane-agent.service\nrestart mediaplane-agent.service\n"), systemctl);
        // The unit's real ExecStart ran the bundled jar (java with the unit's flags) and it kept running.
        assertEquals("active", Files.readString(node.state.resolve("units/mediaplane-agent.service")).trim(),
                node.log("unit-mediaplane-agent.service.log"));
        assertTrue(node.log("java.log").contains("-jar /opt/mediaplane/node/mediaplane-agent.jar --node-env /etc/mediaplane/node.env"),
                node.log("java.log"));
        assertTrue(node.log("unit-mediaplane-agent.service.log").startsWith("listening on 127.0.0.1:"),
                node.log("unit-mediaplane-agent.service.log"));
        assertTrue(systemctl.contains("enable freeswitch.service\n") && systemctl.contains("start freeswitch.service\n"), systemctl);
        assertTrue(Files.exists(at("run/mediaplane/ready")));
        assertEquals("", node.log("apt-get.log"), "FreeSWITCH is present: nothing to install");

        // Credentials travel in header files, never as arguments.
        String argv = node.log("argv.log");
        assertTrue(argv.contains("-H @"), argv);
        for (String m : MARKERS) {
            assertFalse(argv.contains(m), m + " in curl argv");
            assertFalse(first.output().contains(m), m + " in boot output");
        }
        assertSecretsOnlyWhereAllowed();

        // Second run: same bytes, modes, owners and mtimes; FreeSWITCH is not restarted.
        Map<String, String> before = node.snapshot();
        int systemctlLines = node.log("systemctl.log").split("\n").length;
        Tools.Result second = boot(script);
        assertEquals(0, second.exit(), second.output());
        assertTrue(second.output().contains("already installed and intact"), second.output());
        assertEquals(before, node.snapshot());
        List<String> again = List.of(node.log("systemctl.log").split("\n")).subList(systemctlLines, node.log("systemctl.log").split("\n").length);
        assertFalse(again.stream().anyMatch(l -> l.startsWith("restart") || l.startsWith("start") || l.startsWith("daemon-reload")),
                "second run touched FreeSWITCH: " + again);
        assertSecretsOnlyWhereAllowed();
    }

    @Test
    void grantsThatPropagateLateAreWaitedForWithinTheBound() throws Exception {
        // The MIG can create the VM seconds after the grants: the first checks still say 403.
        String viewer = "roles/storage.objectViewer";
        gcp.iam.forget(GcpStandIn.bucketResource(releasesBucket));
        gcp.iam.grantLate(GcpStandIn.bucketResource(releasesBucket), GcpStandIn.sa(nodeSa), viewer, 3);
        gcp.iam.forget(gcp.secretResource("mp-dev-esl-password"));
        gcp.iam.grantLate(gcp.secretResource("mp-dev-esl-password"), GcpStandIn.sa(nodeSa),
                "roles/secretmanager.secretAccessor", 2);
        Map<String, String> env = node.env(gcp);
        env.put("MP_BOOT_RETRY_SEC", "30");
        Tools.Result r = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("MANIFEST.sha256: HTTP 403, retrying in 100 ms"), r.output());
        assertTrue(r.output().contains("secret mp-dev-esl-password: HTTP 403, retrying in 200 ms"), r.output());
        assertEquals(5, gcp.refusals().size(), "3 bundle + 2 secret refusals, then none: " + gcp.refusals());
        assertTrue(r.output().contains("node ready"), r.output());
    }

    @Test
    void aPermanentRefusalFailsWithTodaysMessageWithinTheBound() throws Exception {
        gcp.iam.forget(GcpStandIn.bucketResource(releasesBucket));
        Map<String, String> env = node.env(gcp);
        env.put("MP_BOOT_RETRY_SEC", "3");
        long start = System.nanoTime();
        Tools.Result r = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: release bundle gs://" + releasesBucket + "/releases/"), r.output());
        assertTrue(r.output().contains("MANIFEST.sha256 could not be read (HTTP 403)"), r.output());
        long tries = gcp.requests().stream().filter(q -> q.contains("MANIFEST.sha256")).count();
        // 100, 200, 400, 800, 1600 ms fit in 3 s: 5 retries after the first try, then the bound stops it.
        assertTrue(tries >= 4 && tries <= 7, "tries " + tries + "\n" + r.output());
        assertTrue(seconds < 3 + 8, "bounded: took " + seconds + " s");
        assertEquals("", node.log("systemctl.log"), "a failed boot must not touch services");
    }

    /** The last ExecStart= of a unit file (an empty one resets the list), systemd's prefixes stripped. */
    static String execTarget(String unit) {
        String cmd = "";
        for (String line : unit.split("\n")) {
            if (line.startsWith("ExecStart=")) {
                cmd = line.substring("ExecStart=".length()).trim();
            }
        }
        cmd = cmd.replaceFirst("^[-@+!:]+", "");
        return cmd.isEmpty() ? "" : cmd.split("\\s+")[0];
    }

    @Test
    void everyInstalledUnitStartsAnExecutableAndEveryEnabledUnitRuns() throws Exception {
        Tools.Result r = boot(publish(config));
        assertEquals(0, r.exit(), r.output());
        Path units = at("etc/systemd/system");
        List<Path> files;
        try (var s = Files.walk(units)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        int checked = 0;
        for (Path f : files) {
            String text = Files.readString(f);
            String exe = execTarget(text);
            if (exe.isEmpty()) {
                continue;
            }
            checked++;
            String unit = units.relativize(f).toString();
            assertTrue(exe.startsWith("/"), unit + ": ExecStart must name an absolute path, got " + exe);
            if (!exe.startsWith(NodeContract.STANDARD.paths().optDir() + "/")) {
                // A packaged binary (FreeSWITCH's on the node's PATH, java where its package links it), not in the bundle.
                assertTrue(Files.isExecutable(node.bin.resolve(Path.of(exe).getFileName())) || Files.isExecutable(at(exe.substring(1))),
                        unit + ": " + exe);
                continue;
            }
            Path target = at(exe.substring(1));
            assertTrue(Files.isRegularFile(target), unit + ": ExecStart target " + exe + " is not installed");
            String user = text.lines().filter(l -> l.startsWith("User=")).map(l -> l.substring(5).trim())
                    .reduce((a, b) -> b).orElse("root");
            // On the node boot's files are root-owned: root needs the owner's x bit, anyone else the others' one.
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(target));
            char x = user.equals("root") ? perms.charAt(2) : perms.charAt(8);
            assertEquals('x', x, unit + ": " + exe + " (" + perms + ") is not executable by User=" + user
                    + "; systemd would fail it with 203/EXEC");
        }
        assertTrue(checked >= 2, "expected FreeSWITCH's drop-in and the agent's unit; checked " + checked);
        boolean analyze = RequiredTools.present("systemd-analyze") && Files.isDirectory(Path.of("/usr/lib/systemd/system"));
        if (!analyze && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("systemd-analyze (and /usr/lib/systemd/system) missing: bin/setup installs systemd; "
                    + "CI must verify the installed units with it");
        }
        if (analyze) {
            // systemd's own check on the installed tree (no PID-1 systemd needed with --root): it
            // resolves ExecStart inside the root and reports "is not executable". The root needs
            // the standard targets the units hang off; copy the host's.
            Path targets = Files.createDirectories(at("usr/lib/systemd/system"));
            // ExecStartPre's install(1) is coreutils' (Essential on Debian): every node has it.
            if (!Files.exists(at("usr/bin/install"))) {
                Files.createDirectories(at("usr/bin"));
                Files.copy(Path.of("/usr/bin/install"), at("usr/bin/install"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
            try (var s = Files.list(Path.of("/usr/lib/systemd/system"))) {
                for (Path t : s.filter(p -> p.toString().endsWith(".target") && Files.isRegularFile(p)).toList()) {
                    Files.copy(t, targets.resolve(t.getFileName()));
                }
            }
            List<String> cmd = new java.util.ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + node.root));
            try (var s = Files.list(units)) {
                s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().forEach(cmd::add);
            }
            Tools.Result verify = Tools.run(cmd, Map.of(), units);
            assertEquals(0, verify.exit(), String.join(" ", cmd) + "\n" + verify.output());
            assertFalse(verify.output().contains("not executable"), verify.output());
        }

        List<String> enabled = node.log("systemctl.log").lines().filter(l -> l.startsWith("enable --now "))
                .map(l -> l.substring("enable --now ".length())).toList();
        enabled = new java.util.ArrayList<>(enabled);
        enabled.add(NodeContract.STANDARD.units().agentService()); // enabled, then restarted: it runs the new jar
        for (String u : enabled) {
            Path state = node.state.resolve("units/" + u);
            String outcome = Files.exists(state) ? Files.readString(state).trim() : "never started";
            assertTrue(outcome.equals("active") || outcome.equals("exited 0"), u + ": " + outcome + "\n"
                    + node.log("unit-" + u.replaceFirst("\\.timer$", ".service") + ".log"));
        }
    }

    @Test
    void anOperatorSecretWithAVersionIsTheOperatorsPasswordAndNeverLogged() throws Exception {
        gcp.addSecretVersion("mp-dev-esl-operator-password", (OPERATOR_PW + "\n").getBytes(StandardCharsets.UTF_8));
        Tools.Result first = boot(publish(config));
        assertEquals(0, first.exit(), first.output());
        String secretsXml = Files.readString(at("etc/mediaplane/freeswitch/secrets.xml"));
        assertTrue(secretsXml.contains("data=\"mp_esl_operator_password=" + OPERATOR_PW + "\"/>"), secretsXml);
        assertEquals(List.of("etc/mediaplane/freeswitch/secrets.xml"), node.filesContaining(OPERATOR_PW));
        assertFalse(first.output().contains(OPERATOR_PW), "in boot output");
        assertFalse(node.log("argv.log").contains(OPERATOR_PW), "in curl argv");
        assertFalse(first.output().contains("mp-dev-esl-operator-password not available"), first.output());
        String fallback = Files.readString(at("etc/mediaplane/secrets/esl-operator-password-fallback"));
        assertFalse(secretsXml.contains(fallback), "the fallback is not used while the secret has a version");
        assertSecretsOnlyWhereAllowed();

        // An invalid version fails boot like the other passwords, naming the secret and never quoting the value.
        gcp.addSecretVersion("mp-dev-esl-operator-password", "short\"/>".getBytes(StandardCharsets.UTF_8));
        Tools.Result bad = boot(publish(config));
        assertNotEquals(0, bad.exit(), bad.output());
        assertTrue(bad.output().contains("secret mp-dev-esl-operator-password must be 12-256 characters"), bad.output());
        assertTrue(Files.readString(at("etc/mediaplane/freeswitch/secrets.xml")).contains(OPERATOR_PW), "previous include left in place");
    }

    void assertSecretsOnlyWhereAllowed() throws Exception {
        assertEquals(List.of("etc/mediaplane/freeswitch/secrets.xml"), node.filesContaining(SIP_PW));
        assertEquals(List.of("etc/mediaplane/freeswitch/secrets.xml"), node.filesContaining(ESL_PW));
        assertEquals(List.of("etc/mediaplane/tls/agent.pem"), node.filesContaining(KEY));
        assertEquals(List.of("etc/mediaplane/agent/deepgram-api-key"), node.filesContaining(DEEPGRAM));
        assertEquals(List.of(), node.filesContaining(TOKEN));
        for (String m : MARKERS) {
            for (String v : gcp.metadata.values()) {
                assertFalse(v.contains(m), "metadata holds " + m);
            }
        }
    }

    StackConfig changedConfig() throws Exception {
        StackConfig c = Scenarios.withExtra("dev", "  mediaplane:fleetHealthPort: 8090\n").config();
        assertFalse(render(c).hash().equals(render(config).hash()));
        return c;
    }

    /** Boots release A, then runs release B's script with the given sabotage; B must fail and A stay. */
    Tools.Result failedUpgrade(java.util.function.Consumer<String> sabotage) throws Exception {
        String hashA = render(config).hash();
        Tools.Result a = boot(publish(config));
        assertEquals(0, a.exit(), a.output());
        Map<String, String> before = node.snapshot();
        int systemctlLines = node.log("systemctl.log").split("\n").length;

        StackConfig b = changedConfig();
        String scriptB = publish(b);
        String hashB = render(b).hash();
        sabotage.accept(hashB);
        Tools.Result r = boot(scriptB);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("mediaplane-boot: FAILED: "), r.output());
        assertEquals(Path.of("releases/" + hashA), Files.readSymbolicLink(at("opt/mediaplane/current")));
        Map<String, String> after = node.snapshot();
        after.keySet().removeIf(k -> k.startsWith("opt/mediaplane/releases/" + hashB) || k.equals("opt/mediaplane/releases"));
        before.remove("opt/mediaplane/releases");
        assertEquals(before, after, "the previous configuration must stay exactly as it was");
        String[] lines = node.log("systemctl.log").split("\n");
        assertEquals(systemctlLines, lines.length, "a failed boot must not touch services");
        try (var s = Files.list(at("opt/mediaplane/releases"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".stage")), "staging left behind");
        }
        for (String m : MARKERS) {
            assertFalse(r.output().contains(m), m + " in failure output");
        }
        return r;
    }

    @Test
    void missingSecretFailsWithTheDocumentedMessageAndKeepsThePreviousConfig() throws Exception {
        // The stack lost the value: `pulumi up` re-creates the secret (and its grant) without a version.
        Tools.Result r = failedUpgrade(hashB -> {
            gcp.deleteSecret("mp-dev-esl-password");
            gcp.createSecret("mp-dev-esl-password");
            gcp.iam.grant(gcp.secretResource("mp-dev-esl-password"), GcpStandIn.sa(nodeSa), "roles/secretmanager.secretAccessor");
        });
        assertTrue(r.output().contains("FAILED: secret mp-dev-esl-password could not be read from Secret Manager in project"
                + " mediaplane-dev-000000 (HTTP 404)"), r.output());
        assertTrue(r.output().contains("previous configuration left in place"), r.output());
    }

    @Test
    void corruptBundleFileFailsAndKeepsThePreviousConfig() throws Exception {
        Tools.Result r = failedUpgrade(hashB -> gcp.putObject(releasesBucket,
                "releases/" + hashB + "/freeswitch/autoload_configs/event_socket.conf.xml",
                "<configuration name=\"event_socket.conf\"><settings><param name=\"listen-ip\" value=\"0.0.0.0\"/></settings></configuration>"
                        .getBytes(StandardCharsets.UTF_8)));
        assertTrue(r.output().contains("is corrupt: a file does not match MANIFEST.sha256"), r.output());
        assertFalse(Files.exists(at("opt/mediaplane/releases/" + render(changedConfig()).hash())),
                "a corrupt release must not be installed");
    }

    @Test
    void tamperedManifestFailsAndKeepsThePreviousConfig() throws Exception {
        Tools.Result r = failedUpgrade(hashB -> gcp.putObject(releasesBucket, "releases/" + hashB + "/MANIFEST.sha256",
                "0000000000000000000000000000000000000000000000000000000000000000  freeswitch/vars.xml\n"
                        .getBytes(StandardCharsets.UTF_8)));
        assertTrue(r.output().contains("MANIFEST.sha256 hashes to"), r.output());
    }

    @Test
    void missingBundleFailsAndKeepsThePreviousConfig() throws Exception {
        Tools.Result r = failedUpgrade(hashB -> gcp.removeObjects(releasesBucket,
                k -> k.startsWith("releases/" + hashB + "/")));
        assertTrue(r.output().contains("MANIFEST.sha256 could not be read (HTTP 404)"), r.output());
    }

    @Test
    void freeswitchOlderThanTheFloorIsRefusedBeforeAnythingSwitches() throws Exception {
        Map<String, String> env = node.env(gcp);
        env.put("SHIM_FS_VERSION", "1.10.12");
        Tools.Result r = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: FreeSWITCH 1.10.12 is older than 1.11.2"), r.output());
        assertFalse(Files.exists(at("opt/mediaplane/current"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("", node.log("systemctl.log"));
    }

    @Test
    void unsafeSecretCharactersAreRefusedWithoutEchoingTheValue() throws Exception {
        String bad = "PLANTEDbad\"pw<x>-1234";
        gcp.addSecretVersion("mp-dev-sip-trunk-password", bad.getBytes(StandardCharsets.UTF_8));
        Tools.Result r = boot(publish(config));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: secret mp-dev-sip-trunk-password must be 12-256 characters"), r.output());
        assertFalse(r.output().contains("PLANTEDbad"), r.output());
        assertFalse(Files.exists(at("etc/mediaplane/freeswitch/secrets.xml")));
    }

    @Test
    void aBareImageGetsFreeswitchFromSignalwiresRepositoryWithTheTokenKeptOffArgv() throws Exception {
        String token = "PLANTEDrepoToken-99dd";
        gcp.addSecretVersion("mp-dev-signalwire-repo-token", token.getBytes(StandardCharsets.UTF_8));
        BasicAuthRepo repo = new BasicAuthRepo("signalwire", token);
        gcp.route("/repo/", repo);
        repo.files.put("/repo/deb/debian-release/signalwire-freeswitch-repo.gpg", "GPGKEY\n");
        node.removeFreeswitch();
        Map<String, String> env = node.env(gcp);
        env.put("MP_SIGNALWIRE_REPO_URL", gcp.url() + "/repo/deb/debian-release");
        env.put("SHIM_APT_INSTALLS", tmp.resolve("freeswitch.pkg").toString());
        List<String> markers = new java.util.ArrayList<>(MARKERS);
        markers.add(token);
        String script = publish(config);

        Tools.Result r = node.runScript("startup-script.sh", script, env, markers, null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(gcp.refusals().isEmpty() && repo.rejected.isEmpty(), gcp.refusals() + " " + repo.rejected);
        String apt = node.log("apt-get.log");
        assertTrue(apt.contains("update -q\n"), apt);
        assertTrue(apt.contains("install -y -q --no-install-recommends freeswitch freeswitch-systemd freeswitch-mod-console"
                + " freeswitch-mod-logfile freeswitch-mod-event-socket freeswitch-mod-sofia"), apt);
        assertFalse(apt.contains("freeswitch-mod-json-cdr"), "mod_json_cdr's CDRs had only the call-quality script as reader");
        assertEquals("rw------- " + node.group, mode("etc/apt/auth.conf.d/freeswitch.conf"));
        assertEquals("machine 127.0.0.1 login signalwire password " + token + "\n",
                Files.readString(at("etc/apt/auth.conf.d/freeswitch.conf")));
        assertEquals("GPGKEY\n", Files.readString(at("usr/share/keyrings/signalwire-freeswitch-repo.gpg")));
        assertTrue(Files.readString(at("etc/apt/sources.list.d/freeswitch.list")).startsWith(
                "deb [signed-by=/usr/share/keyrings/signalwire-freeswitch-repo.gpg] " + gcp.url() + "/repo/deb/debian-release/ "));
        assertEquals(List.of("etc/apt/auth.conf.d/freeswitch.conf"), node.filesContaining(token));
        assertFalse(r.output().contains(token));
        assertFalse(node.log("argv.log").contains(token));
        assertTrue(node.log("systemctl.log").contains("start freeswitch.service\n"));

        Map<String, String> before = node.snapshot();
        Tools.Result again = node.runScript("startup-script.sh", script, env, markers, null);
        assertEquals(0, again.exit(), again.output());
        assertEquals(apt, node.log("apt-get.log"), "an installed FreeSWITCH is not installed again");
        assertEquals(before, node.snapshot());
    }

    @Test
    void aBareImageWithoutTheRepositoryTokenFailsBeforeSwitchingAnything() throws Exception {
        node.removeFreeswitch();
        Tools.Result r = boot(publish(config));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: secret mp-dev-signalwire-repo-token could not be read"), r.output());
        assertFalse(Files.exists(at("opt/mediaplane/current"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("", node.log("apt-get.log"));
        assertEquals("", node.log("systemctl.log"));
    }

    // ---- Ops Agent (issue 8 item 9): the node ships its journal to Cloud Logging ----

    static final String OPS_CONFIG = "etc/google-cloud-ops-agent/config.yaml";

    long count(String log, String line) throws Exception {
        return java.util.Arrays.stream(node.log(log).split("\n")).filter(line::equals).count();
    }

    @Test
    void bootInstallsTheRenderedOpsAgentConfigAndRestartsTheAgentOnlyWhenItChanges() throws Exception {
        String script = publish(config);
        Tools.Result first = boot(script);
        assertEquals(0, first.exit(), first.output());
        byte[] rendered = render(config).files().get("node/" + NodeContract.STANDARD.opsAgent().bundleFile());
        assertTrue(rendered != null && rendered.length > 0, "the bundle carries the Ops Agent config");
        assertTrue(java.util.Arrays.equals(rendered, Files.readAllBytes(at(OPS_CONFIG))), "installed config = rendered config");
        assertEquals("rw-r--r-- " + node.group, mode(OPS_CONFIG));
        assertEquals(1, count("systemctl.log", "restart google-cloud-ops-agent.service"), node.log("systemctl.log"));
        assertEquals("", node.log("apt-get.log"), "an image with the agent installs nothing");

        Tools.Result second = boot(script);
        assertEquals(0, second.exit(), second.output());
        assertEquals(1, count("systemctl.log", "restart google-cloud-ops-agent.service"), "unchanged config: no restart");
        assertTrue(node.log("systemctl.log").contains("is-active --quiet google-cloud-ops-agent.service\n"));

        // The agent was stopped meanwhile (crash, operator): the next boot starts it again.
        Files.delete(node.state.resolve("google-cloud-ops-agent.service.active"));
        Tools.Result third = boot(script);
        assertEquals(0, third.exit(), third.output());
        assertEquals(1, count("systemctl.log", "start google-cloud-ops-agent.service"), node.log("systemctl.log"));
    }

    @Test
    void aBareImageGetsTheOpsAgentFromGooglesPinnedRepositoryWithASignedByKeyring() throws Exception {
        node.removeOpsAgent();
        Path repo = Files.createDirectories(tmp.resolve("ops-agent-repo/doc"));
        String key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nPLANTEDkey\n-----END PGP PUBLIC KEY BLOCK-----\n";
        Files.writeString(repo.resolve("apt-key.gpg"), key);
        Map<String, String> env = node.env(gcp);
        String repoUrl = "file://" + tmp.resolve("ops-agent-repo");
        env.put("MP_OPS_AGENT_REPO_URL", repoUrl);
        Tools.Result r = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("installing google-cloud-ops-agent from Google's repository (major 2)"), r.output());
        assertEquals(key, Files.readString(at("usr/share/keyrings/google-cloud-ops-agent.asc")));
        String codename = Tools.run(List.of("bash", "-c", ". /etc/os-release && printf %s \"$VERSION_CODENAME\""), Map.of(), tmp)
                .output().trim();
        assertEquals("deb [signed-by=/usr/share/keyrings/google-cloud-ops-agent.asc] " + repoUrl
                        + " google-cloud-ops-agent-" + codename + "-2 main\n",
                Files.readString(at("etc/apt/sources.list.d/google-cloud-ops-agent.list")));
        String apt = node.log("apt-get.log");
        assertTrue(apt.contains("update -q\n"), apt);
        assertTrue(apt.contains("install -y -q --no-install-recommends google-cloud-ops-agent\n"), apt);
        assertTrue(Files.isRegularFile(at(OPS_CONFIG)));
        assertTrue(Files.exists(node.state.resolve("google-cloud-ops-agent.service.active")));

        // Installed now: the next boot does not touch apt.
        Tools.Result again = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(0, again.exit(), again.output());
        assertEquals(apt, node.log("apt-get.log"));
    }

    @Test
    void anOpsAgentThatWillNotRunFailsBootWithTheUnitNamed() throws Exception {
        Files.writeString(node.state.resolve("google-cloud-ops-agent.service.broken"), "");
        Tools.Result r = boot(publish(config));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("mediaplane-boot: FAILED: google-cloud-ops-agent.service did not restart with the new config"),
                r.output());
        assertFalse(Files.exists(at("run/mediaplane/ready")), "a node whose logs go nowhere is not ready");

        node.removeOpsAgent();
        Files.writeString(node.state.resolve("apt-no-ops-agent"), "");
        Map<String, String> env = node.env(gcp);
        env.put("MP_OPS_AGENT_REPO_URL", "file://" + tmp.resolve("no-such-repo"));
        Tools.Result bare = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(1, bare.exit(), bare.output());
        assertTrue(bare.output().contains("FAILED: cannot download Google's apt key from file://"), bare.output());
    }

    // ---- the node agent: Java, its user, retired units, restarts ----

    @Test
    void aBareImageGetsDebiansJava17ForTheAgentOnce() throws Exception {
        node.removeJava();
        String script = publish(config);
        Tools.Result r = boot(script);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("java is not installed (/usr/bin/java missing): installing openjdk-17-jre-headless"), r.output());
        String apt = node.log("apt-get.log");
        assertTrue(apt.contains("install -y -q --no-install-recommends openjdk-17-jre-headless\n"), apt);
        assertEquals("active", Files.readString(node.state.resolve("units/mediaplane-agent.service")).trim());
        Tools.Result again = boot(script);
        assertEquals(0, again.exit(), again.output());
        assertEquals(apt, node.log("apt-get.log"), "java present: nothing installed");
    }

    @Test
    void aMissingAgentUserIsCreatedAndAFailureToCreateItFailsBoot() throws Exception {
        Map<String, String> env = node.env(gcp);
        env.put("MP_AGENT_USER", "mp-no-such-user-7f3a");
        env.put("SHIM_USERADD_EXIT", "9");
        Tools.Result r = node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: cannot create the node agent's system user mp-no-such-user-7f3a"), r.output());
        assertEquals("--system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mp-no-such-user-7f3a\n",
                node.log("useradd.log"));
        assertEquals("", node.log("systemctl.log"), "nothing switched");
        boot(publish(config));
        assertEquals(node.log("useradd.log").lines().count(), 1L, "an existing user is not created again");
    }

    @Test
    void unitsOfTheBashEraAreStoppedAndRemovedBeforeTheAgentTakesTheirPort() throws Exception {
        Path units = Files.createDirectories(at("etc/systemd/system"));
        for (String u : NodeContract.STANDARD.units().retiredUnits()) {
            Files.writeString(units.resolve(u), "[Unit]\nDescription=" + u + " of an earlier release\n");
        }
        Tools.Result r = boot(publish(config));
        assertEquals(0, r.exit(), r.output());
        for (String u : NodeContract.STANDARD.units().retiredUnits()) {
            assertFalse(Files.exists(units.resolve(u)), u + " left behind");
            assertTrue(r.output().contains("retired unit " + u + " removed"), r.output());
        }
        List<String> log = node.log("systemctl.log").lines().toList();
        assertTrue(log.contains("disable --now mediaplane-health.socket"), log.toString());
        assertTrue(log.contains("disable --now mp-recording-uploader.service"), log.toString());
        assertFalse(log.contains("disable --now mediaplane-health@.service"), "a template unit has no instance to stop");
        assertTrue(log.indexOf("disable --now mediaplane-health.socket") < log.indexOf("restart mediaplane-agent.service"),
                "the socket holding the health port stops before the agent starts: " + log);
    }

    @Test
    void aNewReleaseRestartsTheAgentAndAnUnchangedOneDoesNot() throws Exception {
        assertEquals(0, boot(publish(config)).exit());
        assertEquals(1, count("systemctl.log", "restart mediaplane-agent.service"));
        assertEquals(0, boot(publish(config)).exit());
        assertEquals(1, count("systemctl.log", "restart mediaplane-agent.service"), "same release: the agent keeps running");
        Tools.Result b = boot(publish(changedConfig()));
        assertEquals(0, b.exit(), b.output());
        assertEquals(2, count("systemctl.log", "restart mediaplane-agent.service"), "a new jar and node.env: restarted");
        assertTrue(Files.readString(at("etc/mediaplane/node.env")).contains("HEALTH_PORT=8090\n"));
    }

    @Test
    void aSecretChangeOnARunningNodeIsLeftToTheAgentAndNeverRestartsFreeswitch() throws Exception {
        Tools.Result first = boot(publish(config));
        assertEquals(0, first.exit(), first.output());
        long restarts = count("systemctl.log", "restart freeswitch.service");
        assertEquals(1, count("systemctl.log", "start freeswitch.service") - restarts, "first boot starts it");

        gcp.addSecretVersion("mp-dev-sip-trunk-password", (SIP_PW + "v2").getBytes(StandardCharsets.UTF_8));
        Tools.Result second = boot(publish(config));
        assertEquals(0, second.exit(), second.output());
        assertTrue(Files.readString(at("etc/mediaplane/freeswitch/secrets.xml")).contains("mp_sip_trunk_password=" + SIP_PW + "v2\""));
        assertEquals(restarts, count("systemctl.log", "restart freeswitch.service"), "a secret is not a restart any more");
        assertEquals("gateway\nreloadxml\n", Files.readString(at("var/lib/mediaplane/agent/secrets-pending")));
        assertEquals("rw------- " + node.group, mode("var/lib/mediaplane/agent/secrets-pending"));
        assertTrue(second.output().contains("secrets changed: the node agent applies them to the running FreeSWITCH without a"
                + " restart (gateway reloadxml )"), second.output());

        gcp.addSecretVersion("mp-dev-tls-certificate",
                ("-----BEGIN CERTIFICATE-----\n" + CERT + "2\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.UTF_8));
        Tools.Result third = boot(publish(config));
        assertEquals(0, third.exit(), third.output());
        assertEquals("gateway\nreloadxml\ntls\n", Files.readString(at("var/lib/mediaplane/agent/secrets-pending")),
                "steps still owed are kept, the new one added");
        assertEquals(restarts, count("systemctl.log", "restart freeswitch.service"));

        // A configuration change restarts FreeSWITCH, which reads every secret file: nothing is owed after it.
        Tools.Result fourth = boot(publish(Scenarios.withExtra("dev", "  mediaplane:controllerInternalSipPort: 5092\n").config()));
        assertEquals(0, fourth.exit(), fourth.output());
        assertEquals(restarts + 1, count("systemctl.log", "restart freeswitch.service"));
        assertFalse(Files.exists(at("var/lib/mediaplane/agent/secrets-pending")));
        for (String m : MARKERS) {
            assertFalse((second.output() + third.output()).contains(m), m + " in boot output");
        }
    }

    @Test
    void sttKeysMoveToTheAgentsDirFollowTheirSecretAndNeverRestartFreeswitch() throws Exception {
        // A key an earlier release installed in the secrets dir the agent's unit hides: removed, installed anew.
        Files.createDirectories(at("etc/mediaplane/secrets"));
        Files.writeString(at("etc/mediaplane/secrets/deepgram-api-key"), DEEPGRAM);
        Tools.Result first = boot(publish(config));
        assertEquals(0, first.exit(), first.output());
        assertFalse(Files.exists(at("etc/mediaplane/secrets/deepgram-api-key")), "the old copy is gone");
        assertEquals(DEEPGRAM, Files.readString(at("etc/mediaplane/agent/deepgram-api-key")));
        long restarts = count("systemctl.log", "restart freeswitch.service");

        // A new key version: installed; FreeSWITCH does not read it, so it is not restarted for it.
        String rotated = DEEPGRAM + "-v2";
        gcp.addSecretVersion("mp-dev-deepgram-api-key", rotated.getBytes(StandardCharsets.UTF_8));
        Tools.Result second = boot(publish(config));
        assertEquals(0, second.exit(), second.output());
        assertEquals(rotated, Files.readString(at("etc/mediaplane/agent/deepgram-api-key")));
        assertEquals("rw-r----- " + node.group, mode("etc/mediaplane/agent/deepgram-api-key"));
        assertEquals(restarts, count("systemctl.log", "restart freeswitch.service"), "a key is not FreeSWITCH configuration");

        // A secret without a version (404: assemblyai's never had one here): a key a previous boot installed goes,
        // so a withdrawn key is not used on.
        Files.writeString(at("etc/mediaplane/agent/assemblyai-api-key"), "PLANTEDassemblyai-old");
        // A deleted secret answers 403 (its grant went with it), which boot cannot tell from a grant not yet
        // propagated: that key stays until the secret answers 404 or a new version.
        gcp.deleteSecret("mp-dev-deepgram-api-key");
        Tools.Result third = boot(publish(config));
        assertEquals(0, third.exit(), third.output());
        assertTrue(third.output().contains("optional secret mp-dev-assemblyai-api-key not available (HTTP 404)"), third.output());
        assertFalse(Files.exists(at("etc/mediaplane/agent/assemblyai-api-key")), "a key whose secret has no version is removed");
        assertTrue(third.output().contains("optional secret mp-dev-deepgram-api-key not available (HTTP 403)"), third.output());
        assertEquals(rotated, Files.readString(at("etc/mediaplane/agent/deepgram-api-key")), "a 403 leaves the key as it was");
        for (String m : MARKERS) {
            assertFalse((first.output() + second.output() + third.output()).contains(m), m + " in boot output");
        }
    }
}
