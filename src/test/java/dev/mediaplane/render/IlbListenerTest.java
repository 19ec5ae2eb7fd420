package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.config.StackConfigFixtures;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import dev.mediaplane.testing.RequiredTools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 2: what the internal load balancer carries (internal SIP) answers on its address.
 * Boot writes the address from the instance attribute into the node include, waits for the guest
 * agent's local route, and /ready requires the ilb profile; a real socket in a network namespace
 * (the VIP routed local the way the guest agent routes a forwarding rule's IP) shows a listener
 * bound the way the profile binds receives what is sent to the VIP, and one on the node's address
 * does not.
 */
class IlbListenerTest {
    static final String VIP = "10.42.0.253";
    static final String NODE_IP = "10.42.0.5";
    static final String TOKEN = "ya29.PLANTED-TOKEN-ilb";
    static final List<String> MARKERS = List.of(TOKEN, "PLANTEDsipPw-ilb-4d1e9a77", "PLANTEDeslPw-ilb-0c93b2aa");

    @TempDir
    Path tmp;
    GcpStandIn gcp;
    /** The releases bucket the plan declares; boot reads the bundle from it. */
    String releasesBucket;
    NodeSandbox node;
    /** dev with two nodes: a fleet with an internal load balancer (its address defaults to .253). */
    StackConfig config;

    @BeforeEach
    void setUp() throws Exception {
        // The cloud as the plan declares it: buckets, secrets (no versions in dev) and the node's grants.
        PlannedNode.Cloud cloud = PlannedNode.start(PlannedNode.plan("dev", Map.of("mediaplane:fleetSize", "2")));
        gcp = cloud.gcp();
        releasesBucket = cloud.releasesBucket();
        String nodeSa = gcp.instanceServiceAccount();
        gcp.useToken(nodeSa, TOKEN);
        node = new NodeSandbox(tmp);
        config = StackFileLoader.parse("dev", "Pulumi.dev.yaml+fleetSize2",
                StackConfigFixtures.withValue(StackConfigFixtures.stackFile("dev"), "mediaplane:fleetSize", "2")).config();
        assertTrue(config.fleet().balanced());
        assertEquals(VIP, config.network().ilbAddress().orElseThrow());
        gcp.metadata.putAll(Map.of(
                "project/project-id", "mediaplane-dev-000000",
                "instance/zone", "projects/123456789/zones/europe-west1-b",
                "instance/name", "mp-dev-node-x1z2",
                "instance/network-interfaces/0/ip", NODE_IP,
                "instance/network-interfaces/0/access-configs/0/external-ip", "34.0.0.7",
                "instance/attributes/mediaplane-secret-prefix", "mp-dev",
                "instance/attributes/mediaplane-recordings-bucket", "mediaplane-dev-000000-mp-dev-recordings",
                "instance/attributes/mediaplane-events-topic", "mp-dev-recording-events",
                "instance/attributes/mediaplane-stack", "dev",
                "instance/attributes/mediaplane-ilb-vip", VIP));
        gcp.addSecretVersion("mp-dev-sip-trunk-password", MARKERS.get(1).getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-esl-password", MARKERS.get(2).getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-tls-certificate",
                "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.UTF_8));
        gcp.addSecretVersion("mp-dev-tls-private-key",
                "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n".getBytes(StandardCharsets.UTF_8));
        // `ip route show table local` prints what the test put in SHIM_STATE/local-routes (the guest
        // agent's route, or nothing yet); fs_cli lists the ilb profile only while SHIM_STATE/ilb-running exists.
        shim("ip", """
                [[ "$*" == 'route show table local' ]] || { echo "ip shim: unexpected $*" >&2; exit 2; }
                [[ ! -e "$SHIM_STATE/local-routes" ]] || cat "$SHIM_STATE/local-routes"
                """);
        Files.move(node.bin.resolve("fs_cli"), node.bin.resolve("fs_cli.sandbox"));
        shim("fs_cli", """
                out="$("$SHIM_BIN/fs_cli.sandbox" "$@")" || { rc=$?; printf '%s\\n' "$out"; exit "$rc"; }
                printf '%s\\n' "$out"
                if [[ "$2" == 'sofia status' && -e "$SHIM_STATE/ilb-running" ]]; then
                  printf '                 ilb\\tprofile\\t            sip:mod_sofia@10.42.0.253:5080\\tRUNNING (0)\\n'
                fi
                """);
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    private void shim(String name, String body) throws IOException {
        Path p = node.bin.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    String publish(StackConfig c) {
        Bundle b = Renderer.render(c);
        b.files().forEach((p, bytes) -> gcp.putObject(releasesBucket, "releases/" + b.hash() + "/" + p, bytes));
        gcp.putObject(releasesBucket, "releases/" + b.hash() + "/MANIFEST.sha256", b.manifest().getBytes(StandardCharsets.UTF_8));
        return Renderer.startupScript(c, releasesBucket, b.hash());
    }

    Tools.Result boot(Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = node.env(gcp);
        env.putAll(extraEnv);
        return node.runScript("startup-script.sh", publish(config), env, MARKERS, null);
    }

    void guestAgentRoutes() throws IOException {
        // The line `ip route show table local` prints for the guest agent's forwarded-IP route.
        Files.writeString(node.state.resolve("local-routes"), "local " + NODE_IP + " dev ens4 proto kernel scope host src "
                + NODE_IP + "\nlocal " + VIP + " dev ens4 proto 66 scope host\n");
    }

    /** The variables the node include sets, as FreeSWITCH's preprocessor reads them. */
    Map<String, String> nodeInclude() throws IOException {
        Map<String, String> vars = new java.util.LinkedHashMap<>();
        Matcher m = Pattern.compile("<X-PRE-PROCESS cmd=\"set\" data=\"([a-z_]+)=([^\"]*)\"/>")
                .matcher(Files.readString(node.root.resolve("etc/mediaplane/freeswitch/node.xml")));
        while (m.find()) {
            vars.put(m.group(1), m.group(2));
        }
        return vars;
    }

    /** The node agent's answer ({@code "<status> <body>"}) for this release's sofia profiles, over the booted sandbox. */
    String get(String path) throws Exception {
        try (AgentHealth agent = new AgentHealth(node, dev.mediaplane.render.NodeModel.of(config).sipProfiles())) {
            return agent.get(path);
        }
    }

    @Test
    void bootWritesTheBalancerAddressFromMetadataIntoTheNodeIncludeOnceItIsALocalRoute() throws Exception {
        guestAgentRoutes();
        Files.writeString(node.state.resolve("ilb-running"), "");
        Tools.Result r = boot(Map.of());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("internal load balancer address " + VIP + " is local"), r.output());
        assertEquals(VIP, nodeInclude().get(NodeContract.STANDARD.vars().ilbVip()));
        assertEquals(NODE_IP, nodeInclude().get(NodeContract.STANDARD.vars().internalIp()));
        String ready = get("/ready");
        assertTrue(ready.startsWith("200 "), ready);
    }

    @Test
    void readyFailsNamingTheListenerWhileTheIlbProfileIsDown() throws Exception {
        guestAgentRoutes();
        Files.writeString(node.state.resolve("ilb-running"), "");
        assertEquals(0, boot(Map.of()).exit());
        Files.delete(node.state.resolve("ilb-running"));
        String ready = get("/ready");
        assertTrue(ready.startsWith("503"), ready);
        assertTrue(ready.endsWith("sofia profile ilb not running: nothing listens on the internal load balancer address"), ready);
        String live = get("/live");
        assertTrue(live.startsWith("200 "), "the node is alive, only not a balancer backend: " + live);
    }

    @Test
    void bootWaitsForTheGuestAgentsRouteAndFailsBeforeStartingFreeswitchWithoutIt() throws Exception {
        Files.writeString(node.state.resolve("ilb-running"), "");
        Tools.Result r = boot(Map.of("MP_ILB_ROUTE_TIMEOUT_SEC", "1"));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: the internal load balancer address " + VIP + " is not a local route after 1s"),
                r.output());
        assertFalse(node.log("systemctl.log").contains("freeswitch"), "FreeSWITCH started before its address was local");
        assertFalse(Files.exists(node.state.resolve("freeswitch-active")));
    }

    @Test
    void aBalancedReleaseWithoutTheAddressAttributeFailsBoot() throws Exception {
        gcp.metadata.remove("instance/attributes/mediaplane-ilb-vip");
        guestAgentRoutes();
        Tools.Result r = boot(Map.of());
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("FAILED: this release listens on the internal load balancer's address (sofia profile ilb) "
                + "but instance attribute mediaplane-ilb-vip is not set"), r.output());
    }

    @Test
    void aOneNodeReleaseBindsNoBalancerAddressEvenIfAnAttributeNamesOne() throws Exception {
        config = StackFileLoader.load(StackConfigFixtures.projectDir(), "dev").config();
        assertFalse(config.fleet().balanced());
        Tools.Result r = boot(Map.of());
        assertEquals(0, r.exit(), r.output());
        assertEquals("", nodeInclude().get(NodeContract.STANDARD.vars().ilbVip()));
        assertFalse(node.log("fs_cli.log").isEmpty());
        String ready = get("/ready");
        assertTrue(ready.startsWith("200 "), "no ilb profile to wait for: " + ready);
    }

    // ---- the real socket: a namespace where the VIP is routed local, as the guest agent does ----

    /**
     * Inside {@code unshare -rn}: lo up, the node's address on it, the VIP as a local route only
     * (no address: the guest agent adds none), then this class's {@link #main} binds and connects.
     */
    Tools.Result inNamespace(String bindIp, int port, String connectIp) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String script = "set -e; ip link set lo up; ip addr add " + NODE_IP + "/32 dev lo; "
                + "ip route add local " + VIP + " dev lo table local; "
                + "exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' " + IlbListenerTest.class.getName()
                + " " + bindIp + " " + port + " " + connectIp;
        return Tools.run(List.of("unshare", "-rn", "bash", "-c", script), Map.of("PATH", System.getenv("PATH")), tmp);
    }

    static boolean namespacesWork(Path dir) throws Exception {
        return RequiredTools.present("unshare") && RequiredTools.present("ip")
                && Tools.run(List.of("unshare", "-rn", "ip", "link", "set", "lo", "up"), Map.of("PATH", System.getenv("PATH")), dir)
                        .exit() == 0;
    }

    @Test
    void aListenerBoundAsTheProfileBindsReceivesWhatIsSentToTheVipAndOneOnTheNodeAddressDoesNot() throws Exception {
        boolean ok = namespacesWork(tmp);
        if (!ok && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI must run the namespace socket test: unshare -rn / ip are not usable here");
        }
        Assumptions.assumeTrue(ok, "unshare -rn is not permitted on this machine");
        guestAgentRoutes();
        Files.writeString(node.state.resolve("ilb-running"), "");
        assertEquals(0, boot(Map.of()).exit());
        // Address and port exactly as the running node would bind them: sip-ip/sip-port of the rendered
        // ilb profile, with the $${var} resolved through the node include boot wrote.
        Map<String, String> vars = nodeInclude();
        Map<String, String> ilb = RenderedConfigTest.params(Renderer.render(config), "freeswitch/sip_profiles/ilb.xml", "settings");
        String bindIp = RenderedConfigTest.expand(ilb.get("sip-ip"), vars);
        int port = Integer.parseInt(ilb.get("sip-port"));
        assertEquals(VIP, bindIp);
        Tools.Result hit = inNamespace(bindIp, port, VIP);
        assertEquals(0, hit.exit(), hit.output());
        assertTrue(hit.output().contains("RECEIVED OPTIONS sip:" + VIP), hit.output());
        // The old binding (the internal profile's, the node's own address) never sees the VIP's packets.
        String nodeIp = RenderedConfigTest.expand(RenderedConfigTest.params(Renderer.render(config),
                "freeswitch/sip_profiles/internal.xml", "settings").get("sip-ip"), vars);
        assertEquals(NODE_IP, nodeIp);
        Tools.Result miss = inNamespace(nodeIp, port, VIP);
        assertEquals(0, miss.exit(), miss.output());
        assertTrue(miss.output().contains("REFUSED"), miss.output());
    }

    /** In the namespace: bind {@code args[0]:args[1]}, connect to {@code args[2]:args[1]}, report what arrived. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(args[0]), port));
            server.setSoTimeout(5000);
            byte[] sent = ("OPTIONS sip:" + args[2] + ":" + port + " SIP/2.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress(InetAddress.getByName(args[2]), port), 3000);
                try (OutputStream out = client.getOutputStream(); Socket accepted = server.accept();
                     InputStream in = accepted.getInputStream()) {
                    out.write(sent);
                    out.flush();
                    byte[] got = in.readNBytes(sent.length);
                    System.out.println("RECEIVED " + new String(got, StandardCharsets.US_ASCII).trim() + " on "
                            + accepted.getLocalAddress().getHostAddress());
                }
            } catch (ConnectException e) {
                System.out.println("REFUSED " + e.getMessage());
            }
        }
    }
}
