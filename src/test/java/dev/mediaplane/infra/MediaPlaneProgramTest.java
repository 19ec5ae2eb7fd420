package dev.mediaplane.infra;

import static dev.mediaplane.infra.Stacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.Cidr;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import dev.mediaplane.render.NodeContract;
import dev.mediaplane.render.Renderer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed dev and prod stacks under the mock engine: what is declared, and with which values. */
class MediaPlaneProgramTest {

    static StackConfig devConfig;
    static StackConfig prodConfig;
    static StackConfig bigConfig;
    static Plan dev;
    static Plan prod;
    /** dev with a fixed fleet of three static nodes: the static-address path with a load balancer. */
    static Plan big;
    /** dev with a fixed fleet of two ephemeral-address nodes: the fixed size without per-instance configs. */
    static Plan fixedEphemeral;

    @BeforeAll
    static void plan() {
        devConfig = Stacks.load("dev").config();
        prodConfig = Stacks.load("prod").config();
        var bigLoaded = Stacks.with("dev", Map.of("mediaplane:fleetSize", "3"));
        bigConfig = bigLoaded.config();
        dev = Stacks.plan(Stacks.load("dev"));
        prod = Stacks.plan(Stacks.load("prod"));
        big = Stacks.plan(bigLoaded);
        fixedEphemeral = Stacks.plan(Stacks.with("dev", Map.of("mediaplane:fleetSize", "2",
                "mediaplane:fleetAddressMode", "ephemeral")));
    }

    @Test
    void devDeclaresExactlyTheseResources() {
        int objects = Renderer.render(devConfig).files().size() + 1;
        Map<String, Long> expected = new TreeMap<>(Map.ofEntries(
                Map.entry(MediaPlane.TYPE, 1L), Map.entry(Identity.TYPE, 1L), Map.entry(Network.TYPE, 1L),
                Map.entry(Secrets.TYPE, 1L), Map.entry(RecordingStore.TYPE, 1L), Map.entry(Fleet.TYPE, 1L),
                Map.entry(Observability.TYPE, 1L), Map.entry(ProjectServices.TYPE, 1L),
                Map.entry("gcp:serviceaccount/account:Account", 1L),
                Map.entry("gcp:projects/iAMMember:IAMMember", 2L),
                Map.entry("gcp:compute/network:Network", 1L),
                Map.entry("gcp:compute/subnetwork:Subnetwork", 1L),
                // sip-tls, rtp, controller, controller metrics, health checks, iap-ssh (dev has fleetSsh), deny-all
                Map.entry("gcp:compute/firewall:Firewall", 8L),
                Map.entry("gcp:projects/serviceIdentity:ServiceIdentity", 1L),
                Map.entry("gcp:projects/service:Service", (long) ProjectServices.APIS.size()),
                Map.entry("gcp:pubsub/topic:Topic", 2L),
                Map.entry("gcp:pubsub/topicIAMMember:TopicIAMMember", 2L),
                Map.entry("gcp:secretmanager/secret:Secret", 8L),
                Map.entry("gcp:secretmanager/secretIamMember:SecretIamMember", 8L),
                Map.entry("gcp:storage/bucket:Bucket", 2L),
                Map.entry("gcp:storage/bucketIAMMember:BucketIAMMember", 2L),
                // the node's recording writer (create + get under org/)
                Map.entry("gcp:projects/iAMCustomRole:IAMCustomRole", 1L),
                Map.entry("gcp:storage/bucketObject:BucketObject", (long) objects),
                Map.entry("gcp:compute/instanceTemplate:InstanceTemplate", 1L),
                Map.entry("gcp:compute/healthCheck:HealthCheck", 1L),
                Map.entry("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", 1L),
                Map.entry("gcp:compute/address:Address", 1L),
                Map.entry("gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig", 1L),
                Map.entry("gcp:logging/metric:Metric", 5L),
                Map.entry("gcp:monitoring/alertPolicy:AlertPolicy", 6L),
                Map.entry("gcp:monitoring/dashboard:Dashboard", 1L)));
        assertEquals(expected, Stacks.countsByType(dev));
    }

    @Test
    void prodDeclaresExactlyTheseResources() {
        int objects = Renderer.render(prodConfig).files().size() + 1;
        Map<String, Long> expected = new TreeMap<>(Map.ofEntries(
                Map.entry(MediaPlane.TYPE, 1L), Map.entry(Identity.TYPE, 1L), Map.entry(Network.TYPE, 1L),
                Map.entry(Secrets.TYPE, 1L), Map.entry(RecordingStore.TYPE, 1L), Map.entry(Fleet.TYPE, 1L),
                Map.entry(Observability.TYPE, 1L), Map.entry(ProjectServices.TYPE, 1L), Map.entry(InternalLoadBalancer.TYPE, 1L),
                Map.entry("gcp:serviceaccount/account:Account", 1L),
                // logWriter, metricWriter, controller discovery
                Map.entry("gcp:projects/iAMMember:IAMMember", 3L),
                // controller discovery, recording writer
                Map.entry("gcp:projects/iAMCustomRole:IAMCustomRole", 2L),
                Map.entry("gcp:compute/network:Network", 1L),
                Map.entry("gcp:compute/subnetwork:Subnetwork", 1L),
                // no IAP rule: prod has fleetSsh false
                Map.entry("gcp:compute/firewall:Firewall", 7L),
                Map.entry("gcp:projects/serviceIdentity:ServiceIdentity", 1L),
                Map.entry("gcp:projects/service:Service", (long) ProjectServices.APIS.size()),
                Map.entry("gcp:pubsub/topic:Topic", 2L),
                Map.entry("gcp:pubsub/topicIAMMember:TopicIAMMember", 2L),
                Map.entry("gcp:secretmanager/secret:Secret", 8L),
                Map.entry("gcp:secretmanager/secretIamMember:SecretIamMember", 8L),
                Map.entry("gcp:storage/bucket:Bucket", 2L),
                Map.entry("gcp:storage/bucketIAMMember:BucketIAMMember", 2L),
                Map.entry("gcp:storage/bucketObject:BucketObject", (long) objects),
                Map.entry("gcp:compute/instanceTemplate:InstanceTemplate", 1L),
                // liveness (fleet) and readiness (load balancer)
                Map.entry("gcp:compute/healthCheck:HealthCheck", 2L),
                Map.entry("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", 1L),
                Map.entry("gcp:compute/regionAutoscaler:RegionAutoscaler", 1L),
                // only the load balancer's internal address: prod nodes are ephemeral
                Map.entry("gcp:compute/address:Address", 1L),
                Map.entry("gcp:compute/regionBackendService:RegionBackendService", 1L),
                Map.entry("gcp:compute/forwardingRule:ForwardingRule", 1L),
                Map.entry("gcp:logging/metric:Metric", 5L),
                Map.entry("gcp:monitoring/alertPolicy:AlertPolicy", 6L),
                Map.entry("gcp:monitoring/dashboard:Dashboard", 1L)));
        assertEquals(expected, Stacks.countsByType(prod));
    }

    @Test
    void everyResourceHangsUnderItsComponentAndComponentsUnderTheRoot() {
        for (Plan p : List.of(dev, prod, big)) {
            String root = p.resources().get(0).name();
            assertEquals(MediaPlane.TYPE, p.resources().get(0).type());
            for (PlannedResource r : p.resources()) {
                if (r.type().equals(MediaPlane.TYPE)) {
                    assertTrue(r.parent().isEmpty());
                } else if (r.isComponent()) {
                    assertEquals(root, r.parent().orElseThrow(), r.name());
                } else {
                    String parent = r.parent().orElseThrow(() -> new AssertionError(r.name() + " has no parent"));
                    assertTrue(p.resources().stream().anyMatch(x -> x.isComponent() && x.name().equals(parent)
                            && !x.type().equals(MediaPlane.TYPE)), r.name() + " is not under a component");
                }
            }
        }
    }

    // ---- firewall ----

    @Test
    void firewallPortsAndSourcesAreExactlyTheConfiguredOnes() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(prod, prodConfig), Map.entry(big, bigConfig))) {
            Plan p = pc.getKey();
            StackConfig c = pc.getValue();
            String sa = c.prefix() + "-node@" + c.project() + ".iam.gserviceaccount.com";
            Map<String, List<String>> sources = new TreeMap<>();
            Map<String, String> allows = new TreeMap<>();
            String egress = c.prefix() + "-allow-egress-stt";
            for (PlannedResource fw : p.ofType("gcp:compute/firewall:Firewall").toList()) {
                assertEquals(List.of(sa), fw.inputs().get("targetServiceAccounts"), fw.name());
                assertTrue(fw.inputs().get("priority") instanceof Number, fw.name() + " has no explicit priority");
                assertEquals("INCLUDE_ALL_METADATA", at(fw.inputs(), "logConfig", "metadata"), fw.name());
                if (fw.name().equals(egress)) {
                    // The one egress rule: the bridge's websockets, tcp/443 only, to anywhere (no published ranges).
                    assertEquals("EGRESS", fw.inputs().get("direction"));
                    assertEquals(Network.STT_DESTINATIONS, fw.inputs().get("destinationRanges"));
                    assertEquals(null, fw.inputs().get("sourceRanges"));
                    assertEquals("tcp:[443]", at(fw.inputs(), "allows", "0", "protocol") + ":" + at(fw.inputs(), "allows", "0", "ports"));
                    assertEquals(1, ((List<?>) at(fw.inputs(), "allows")).size());
                    assertTrue(fw.inputs().get("description").toString().contains("publish no fixed ranges"));
                    continue;
                }
                assertEquals("INGRESS", fw.inputs().get("direction"), fw.name());
                assertTrue(fw.inputs().get("priority") instanceof Number, fw.name() + " has no explicit priority");
                assertEquals("INCLUDE_ALL_METADATA", at(fw.inputs(), "logConfig", "metadata"), fw.name());
                sources.put(fw.name(), at(fw.inputs(), "sourceRanges"));
                List<Map<String, Object>> allowList = at(fw.inputs(), "allows");
                if (allowList != null) {
                    assertEquals(1, allowList.size());
                    allows.put(fw.name(), allowList.get(0).get("protocol") + ":" + allowList.get(0).get("ports"));
                    assertFalse(at(fw.inputs(), "sourceRanges").toString().contains("0.0.0.0/0"), fw.name() + " allows the internet");
                }
            }
            String pre = c.prefix();
            Map<String, String> expectedAllows = new TreeMap<>(Map.of(
                    pre + "-allow-sip-tls", "tcp:[" + c.trunk().sipTlsPort() + "]",
                    pre + "-allow-rtp", "udp:[" + c.rtp().startPort() + "-" + c.rtp().endPort() + "]",
                    pre + "-allow-controller", "tcp:[" + c.controller().eslPort() + ", " + c.controller().internalSipPort() + "]",
                    // The agent's port: the controllers' Prometheus scrapes /metrics.
                    pre + "-allow-controller-metrics", "tcp:[" + c.fleet().healthPort() + "]",
                    pre + "-allow-health-checks", "tcp:[" + c.fleet().healthPort() + "]"));
            if (c.fleet().ssh()) {
                expectedAllows.put(pre + "-allow-iap-ssh", "tcp:[22]");
            }
            assertEquals(expectedAllows, allows);
            assertEquals(c.trunk().signalingCidrs(), sources.get(pre + "-allow-sip-tls"));
            assertEquals(c.trunk().mediaCidrs(), sources.get(pre + "-allow-rtp"));
            assertEquals(c.controller().cidrs(), sources.get(pre + "-allow-controller"));
            assertEquals(c.controller().cidrs(), sources.get(pre + "-allow-controller-metrics"));
            assertEquals(Network.HEALTH_CHECK_RANGES, sources.get(pre + "-allow-health-checks"));
            if (c.fleet().ssh()) {
                assertEquals(List.of("35.235.240.0/20"), sources.get(pre + "-allow-iap-ssh"));
            }
            // The deny-all is the one rule with the whole internet as source, and it denies, below every allow.
            PlannedResource deny = Stacks.named(p, "gcp:compute/firewall:Firewall", pre + "-deny-all-ingress");
            assertEquals(List.of("0.0.0.0/0"), deny.inputs().get("sourceRanges"));
            assertEquals("all", at(deny.inputs(), "denies", "0", "protocol"));
            assertTrue(((Number) deny.inputs().get("priority")).intValue() > Network.ALLOW_PRIORITY);
        }
    }

    /**
     * The UDP ports FreeSWITCH can use with this switch.conf range: the RTP port allocator
     * (signalwire/freeswitch src/switch_core_port_allocator.c, switch_core_port_allocator_new with
     * SPF_EVEN, which switch_rtp.c passes) rounds an odd start up and an odd end down, hands out
     * the even ports of [start, end], and RTCP takes each port + 1.
     */
    private static java.util.SortedSet<Integer> freeswitchUdpPorts(int start, int end) {
        if (start % 2 != 0) {
            start++;
        }
        if (end % 2 != 0) {
            end--;
        }
        java.util.SortedSet<Integer> out = new TreeSet<>();
        for (int rtp = start; rtp <= end; rtp += 2) {
            out.add(rtp);
            out.add(rtp + 1);
        }
        return out;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"32767", "32766"})
    void theRtpFirewallOpensExactlyThePortsFreeSwitchAllocates(String endPort) throws Exception {
        var loaded = Stacks.with("dev", Map.of("mediaplane:rtpEndPort", endPort));
        Plan p = Stacks.plan(loaded);
        var sw = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(Renderer.render(loaded.config())
                        .file("freeswitch/autoload_configs/switch.conf.xml")));
        Map<String, Integer> params = new TreeMap<>();
        var ps = sw.getElementsByTagName("param");
        for (int i = 0; i < ps.getLength(); i++) {
            var e = (org.w3c.dom.Element) ps.item(i);
            if (e.getAttribute("name").startsWith("rtp-") && e.getAttribute("name").endsWith("-port")) {
                params.put(e.getAttribute("name"), Integer.parseInt(e.getAttribute("value")));
            }
        }
        // Even bounds: FreeSWITCH logs no "Rounding odd end port" and uses what the file says.
        assertEquals(0, params.get("rtp-start-port") % 2, params.toString());
        assertEquals(0, params.get("rtp-end-port") % 2, params.toString());
        PlannedResource fw = Stacks.named(p, "gcp:compute/firewall:Firewall", "mp-dev-allow-rtp");
        String range = ((List<?>) at(fw.inputs(), "allows", "0", "ports")).get(0).toString();
        int from = Integer.parseInt(range.substring(0, range.indexOf('-')));
        int to = Integer.parseInt(range.substring(range.indexOf('-') + 1));
        java.util.SortedSet<Integer> opened = new TreeSet<>();
        for (int port = from; port <= to; port++) {
            opened.add(port);
        }
        var used = freeswitchUdpPorts(params.get("rtp-start-port"), params.get("rtp-end-port"));
        // Same sets, printed as first..last (count) so a failure stays readable.
        assertEquals(used.first() + ".." + used.last() + " (" + used.size() + ")",
                opened.first() + ".." + opened.last() + " (" + opened.size() + ")",
                "FreeSWITCH's ports vs the firewall's " + range + " (switch.conf " + params + ")");
        assertEquals(used, opened);
    }

    @Test
    void eslAndInternalSipOpenOnlyToControllers() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(prod, prodConfig))) {
            StackConfig c = pc.getValue();
            Set<String> controlPorts = Set.of(String.valueOf(c.controller().eslPort()), String.valueOf(c.controller().internalSipPort()));
            for (PlannedResource fw : pc.getKey().ofType("gcp:compute/firewall:Firewall").toList()) {
                List<Map<String, Object>> allowList = at(fw.inputs(), "allows");
                if (allowList == null) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<String> ports = (List<String>) allowList.get(0).get("ports");
                if (ports.stream().anyMatch(controlPorts::contains)) {
                    assertEquals(c.controller().cidrs(), fw.inputs().get("sourceRanges"), fw.name());
                }
            }
            // And the load balancer (prod) forwards internal SIP only: ESL is per-node state (the
            // controller must reach the node that holds the call), so it never goes through a balancer.
            pc.getKey().ofType("gcp:compute/forwardingRule:ForwardingRule").forEach(fr -> {
                assertEquals("INTERNAL", fr.inputs().get("loadBalancingScheme"));
                assertEquals(List.of(String.valueOf(c.controller().internalSipPort())), Stacks.<List<String>>at(fr.inputs(), "ports"));
            });
        }
    }

    // ---- IAM ----

    @Test
    void nodeAccountHasExactlyTheseBindings() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(prod, prodConfig))) {
            StackConfig c = pc.getValue();
            String member = "serviceAccount:" + c.prefix() + "-node@" + c.project() + ".iam.gserviceaccount.com";
            Set<String> got = new TreeSet<>();
            for (PlannedResource r : pc.getKey().resources()) {
                if (member.equals(r.inputs().get("member"))) {
                    String on = switch (r.type()) {
                        case "gcp:projects/iAMMember:IAMMember" -> "project:" + r.inputs().get("project");
                        case "gcp:storage/bucketIAMMember:BucketIAMMember" -> "bucket:" + r.inputs().get("bucket");
                        case "gcp:pubsub/topicIAMMember:TopicIAMMember" -> "topic:" + r.inputs().get("topic");
                        case "gcp:secretmanager/secretIamMember:SecretIamMember" -> "secret:" + r.inputs().get("secretId");
                        default -> throw new AssertionError("unexpected binding type " + r.type());
                    };
                    got.add(r.inputs().get("role") + " on " + on);
                }
            }
            Set<String> expected = new TreeSet<>();
            expected.add("roles/logging.logWriter on project:" + c.project());
            expected.add("roles/monitoring.metricWriter on project:" + c.project());
            expected.add("projects/" + c.project() + "/roles/" + c.prefix().replace('-', '_') + "_recording_writer on bucket:"
                    + c.project() + "-" + c.prefix() + "-recordings");
            expected.add("roles/storage.objectViewer on bucket:" + c.project() + "-" + c.prefix() + "-releases");
            expected.add("roles/pubsub.publisher on topic:" + c.prefix() + "-recording-events");
            for (var s : NodeSecret.values()) {
                expected.add("roles/secretmanager.secretAccessor on secret:projects/" + c.project() + "/secrets/"
                        + c.prefix() + "-" + s.secretSuffix());
            }
            assertEquals(expected, got);
        }
    }

    @Test
    void controllerGetsReadOnlyDiscoveryOnlyWhenConfigured() {
        assertEquals(0, dev.ofType("gcp:projects/iAMCustomRole:IAMCustomRole").filter(r -> r.name().endsWith("-node-discovery")).count());
        PlannedResource role = Stacks.named(prod, "gcp:projects/iAMCustomRole:IAMCustomRole", "mp-prod-node-discovery");
        assertEquals(Identity.DISCOVERY_PERMISSIONS, role.inputs().get("permissions"));
        assertTrue(Identity.DISCOVERY_PERMISSIONS.stream().allMatch(p -> p.endsWith(".get") || p.endsWith(".list")));
        assertTrue(((String) role.inputs().get("roleId")).matches("[a-zA-Z0-9_.]{3,64}"));
        PlannedResource binding = Stacks.named(prod, "gcp:projects/iAMMember:IAMMember", "mp-prod-controller-discovery");
        assertEquals("serviceAccount:" + prodConfig.controller().serviceAccount().orElseThrow(), binding.inputs().get("member"));
        assertEquals("projects/" + prodConfig.project() + "/roles/" + role.inputs().get("roleId"), binding.inputs().get("role"));
    }

    // ---- storage ----

    @Test
    void bucketsAreHardenedAndRecordingsFollowConfig() {
        PlannedResource rec = Stacks.named(prod, "gcp:storage/bucket:Bucket", prodConfig.recordingsBucketName());
        PlannedResource rel = Stacks.named(prod, "gcp:storage/bucket:Bucket", prodConfig.releasesBucketName());
        for (PlannedResource b : List.of(rec, rel)) {
            assertEquals(true, b.inputs().get("uniformBucketLevelAccess"), b.name());
            assertEquals("enforced", b.inputs().get("publicAccessPrevention"), b.name());
            assertEquals(false, at(b.inputs(), "versioning", "enabled"), b.name());
        }
        assertEquals("EU", rec.inputs().get("location"));
        assertEquals(30L * 86400, ((Number) at(rec.inputs(), "retentionPolicy", "retentionPeriod")).longValue());
        assertEquals(2555L, ((Number) at(rec.inputs(), "lifecycleRules", "0", "condition", "age")).longValue());
        assertEquals("Delete", at(rec.inputs(), "lifecycleRules", "0", "action", "type"));
        // dev: no retention policy configured, so none declared
        assertFalse(Stacks.named(dev, "gcp:storage/bucket:Bucket", devConfig.recordingsBucketName())
                .inputs().containsKey("retentionPolicy"));
    }

    @Test
    void releaseObjectsAreTheCurrentRenderUnderItsHash() {
        var bundle = Renderer.render(devConfig);
        Set<String> names = new TreeSet<>();
        dev.ofType("gcp:storage/bucketObject:BucketObject").forEach(o -> {
            names.add((String) o.inputs().get("name"));
            assertEquals(devConfig.releasesBucketName(), o.inputs().get("bucket"));
        });
        Set<String> expected = new TreeSet<>();
        bundle.files().keySet().forEach(p -> expected.add("releases/" + bundle.hash() + "/" + p));
        expected.add("releases/" + bundle.hash() + "/MANIFEST.sha256");
        assertEquals(expected, names);
        PlannedResource manifest = dev.ofType("gcp:storage/bucketObject:BucketObject")
                .filter(o -> o.inputs().get("name").toString().endsWith("/MANIFEST.sha256")).findFirst().orElseThrow();
        assertEquals(bundle.manifest(), manifest.inputs().get("content"));
    }

    // ---- fleet ----

    @Test
    void updatePoliciesObeyTheRegionalGroupRule() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(prod, prodConfig), Map.entry(big, bigConfig))) {
            PlannedResource mig = Stacks.one(pc.getKey(), "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
            int zones = ((List<?>) mig.inputs().get("distributionPolicyZones")).size();
            assertEquals(pc.getValue().zones().size(), zones);
            int surge = ((Number) at(mig.inputs(), "updatePolicy", "maxSurgeFixed")).intValue();
            int unavailable = ((Number) at(mig.inputs(), "updatePolicy", "maxUnavailableFixed")).intValue();
            assertTrue(surge == 0 || surge >= zones, "maxSurgeFixed " + surge + " with " + zones + " zones");
            assertTrue(unavailable == 0 || unavailable >= zones, "maxUnavailableFixed " + unavailable + " with " + zones + " zones");
            assertTrue(surge + unavailable > 0, "a rollout must be able to make progress");
            if (pc.getValue().fleet().addressMode() == StackConfig.AddressMode.STATIC) {
                assertEquals(0, surge, "a preserved external IP cannot be on two VMs");
                assertEquals("RECREATE", at(mig.inputs(), "updatePolicy", "replacementMethod"));
            }
        }
    }

    @Test
    void livenessAndReadinessAreSeparateChecksWithTheirOwnJobs() {
        PlannedResource live = Stacks.named(prod, "gcp:compute/healthCheck:HealthCheck", "mp-prod-live");
        PlannedResource ready = Stacks.named(prod, "gcp:compute/healthCheck:HealthCheck", "mp-prod-ready");
        assertEquals("/live", at(live.inputs(), "httpHealthCheck", "requestPath"));
        assertEquals("/ready", at(ready.inputs(), "httpHealthCheck", "requestPath"));
        PlannedResource mig = Stacks.one(prod, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
        assertTrue(at(mig.inputs(), "autoHealingPolicies", "healthCheck").toString().endsWith("/healthChecks/mp-prod-live"));
        assertEquals((long) prodConfig.fleet().livenessInitialDelaySec(),
                ((Number) at(mig.inputs(), "autoHealingPolicies", "initialDelaySec")).longValue());
        PlannedResource backend = Stacks.one(prod, "gcp:compute/regionBackendService:RegionBackendService");
        assertTrue(backend.inputs().get("healthChecks").toString().endsWith("/healthChecks/mp-prod-ready"));
        assertEquals("INTERNAL", backend.inputs().get("loadBalancingScheme"));
        assertEquals(at(mig.inputs(), "name"), at(backend.inputs(), "backends", "0", "group").toString()
                .substring(at(backend.inputs(), "backends", "0", "group").toString().lastIndexOf('/') + 1));
    }

    @Test
    void templatesFollowTheHardeningAndMetadataContract() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(prod, prodConfig))) {
            StackConfig c = pc.getValue();
            PlannedResource t = Stacks.one(pc.getKey(), "gcp:compute/instanceTemplate:InstanceTemplate");
            Map<String, Object> md = at(t.inputs(), "metadata");
            assertEquals("TRUE", md.get("enable-oslogin"));
            assertEquals("TRUE", md.get("block-project-ssh-keys"));
            assertEquals("FALSE", md.get("serial-port-enable"));
            assertEquals(c.stack(), md.get("mediaplane-stack"));
            assertEquals(c.releasesBucketName(), md.get("mediaplane-releases-bucket"));
            assertEquals(c.recordingsBucketName(), md.get("mediaplane-recordings-bucket"));
            assertEquals(c.prefix() + "-recording-events", md.get("mediaplane-events-topic"));
            assertEquals(c.prefix(), md.get("mediaplane-secret-prefix"));
            String release = (String) md.get("mediaplane-release");
            assertEquals(Renderer.startupScript(c, c.releasesBucketName(), release), md.get("startup-script"));
            assertEquals(Renderer.shutdownScript(c), md.get("shutdown-script"));
            assertEquals(false, t.inputs().get("canIpForward"));
            assertEquals(Map.of("enableIntegrityMonitoring", true, "enableSecureBoot", true, "enableVtpm", true),
                    t.inputs().get("shieldedInstanceConfig"));
            assertEquals(c.prefix() + "-node@" + c.project() + ".iam.gserviceaccount.com", at(t.inputs(), "serviceAccount", "email"));
            assertEquals(c.fleet().machineType(), t.inputs().get("machineType"));
            assertEquals("pd-balanced", at(t.inputs(), "disks", "0", "diskType"));
            assertEquals(release.substring(0, 12), at(t.inputs(), "labels", "release"));
            assertTrue(((String) t.inputs().get("name")).length() <= 63);
        }
    }

    @Test
    void staticFleetsReserveOneAddressPerNodeAndPreserveIt() {
        List<PlannedResource> ips = big.ofType("gcp:compute/address:Address")
                .filter(a -> "EXTERNAL".equals(a.inputs().get("addressType"))).toList();
        assertEquals(3, ips.size());
        List<PlannedResource> configs = big.ofType("gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig").toList();
        assertEquals(3, configs.size());
        Set<String> preserved = new HashSet<>();
        for (PlannedResource pic : configs) {
            assertEquals("mp-dev-nodes", pic.inputs().get("regionInstanceGroupManager"));
            assertEquals("NEVER", at(pic.inputs(), "preservedState", "externalIps", "0", "autoDelete"));
            preserved.add(at(pic.inputs(), "preservedState", "externalIps", "0", "ipAddress", "address"));
        }
        assertEquals(3, preserved.size(), "each node keeps its own address");
        for (PlannedResource ip : ips) {
            assertTrue(preserved.stream().anyMatch(link -> link.endsWith("/addresses/" + ip.inputs().get("name"))));
        }
        @SuppressWarnings("unchecked")
        List<String> exported = (List<String>) big.outputs().get("nodeAddresses");
        assertEquals(3, exported.size());
        assertEquals(3, new HashSet<>(exported).size());
        // Three static nodes can be more than one: the internal load balancer appears.
        assertEquals(1, big.ofType(InternalLoadBalancer.TYPE).count());
    }

    /**
     * How many VMs a group ends up with: its targetSize, plus one per RegionPerInstanceConfig, because
     * the provider creates each config with the group's createInstances call, which adds an instance
     * (magic-modules mmv1/products/compute/RegionPerInstanceConfig.yaml; terraform-provider-google #15911).
     */
    private static long nodesCreated(Plan p) {
        PlannedResource mig = Stacks.one(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
        long target = mig.inputs().containsKey("targetSize") ? ((Number) mig.inputs().get("targetSize")).longValue() : 0;
        return target + p.ofType("gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig").count();
    }

    @Test
    void aStaticFleetOfNGetsExactlyNNodesAllCreatedByTheirPerInstanceConfigs() {
        for (var pc : List.of(Map.entry(dev, devConfig), Map.entry(big, bigConfig))) {
            PlannedResource mig = Stacks.one(pc.getKey(), "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
            // Unset, not 0: targetSize is Optional+Computed in the provider, so an unset input never
            // shows a diff on refresh or a second up while the configs hold the group at N.
            assertFalse(mig.inputs().containsKey("targetSize"), "a static fleet's size is its per-instance configs");
            assertEquals(pc.getValue().fleet().size(), nodesCreated(pc.getKey()));
        }
        PlannedResource mig = Stacks.one(fixedEphemeral, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
        assertEquals(2L, ((Number) mig.inputs().get("targetSize")).longValue());
        assertEquals(0, fixedEphemeral.ofType("gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig").count());
        assertEquals(2, nodesCreated(fixedEphemeral));
    }

    @Test
    void templateChangesNeverTakeAStaticFleetDownAndEphemeralFleetsSurge() {
        for (Plan p : List.of(dev, big)) {
            PlannedResource mig = Stacks.one(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
            // OPPORTUNISTIC: a new template reaches a node only when it is recreated (repair, or the
            // operator's per-node apply after a drain), never by itself on pulumi up.
            assertEquals("OPPORTUNISTIC", at(mig.inputs(), "updatePolicy", "type"));
            assertEquals("NONE", at(mig.inputs(), "updatePolicy", "instanceRedistributionType"));
            // A repaired node comes back on the current release, not on the one it was created with.
            assertEquals("YES", at(mig.inputs(), "instanceLifecyclePolicy", "forceUpdateOnRepair"));
        }
        for (Plan p : List.of(prod, fixedEphemeral)) {
            PlannedResource mig = Stacks.one(p, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
            int zones = ((List<?>) mig.inputs().get("distributionPolicyZones")).size();
            assertEquals("PROACTIVE", at(mig.inputs(), "updatePolicy", "type"));
            assertEquals("SUBSTITUTE", at(mig.inputs(), "updatePolicy", "replacementMethod"));
            assertEquals(0L, ((Number) at(mig.inputs(), "updatePolicy", "maxUnavailableFixed")).longValue());
            assertTrue(((Number) at(mig.inputs(), "updatePolicy", "maxSurgeFixed")).intValue() >= zones);
            // A new node must have been ready for a while before an old one goes.
            assertTrue(((Number) at(mig.inputs(), "updatePolicy", "minReadySec")).intValue() > 0);
        }
    }

    @Test
    void theAutoscalerRemovesAtMostOneNodePerWindowLongerThanADrain() {
        PlannedResource as = Stacks.one(prod, "gcp:compute/regionAutoscaler:RegionAutoscaler");
        assertEquals(1L, ((Number) at(as.inputs(), "autoscalingPolicy", "scaleInControl", "maxScaledInReplicas", "fixed"))
                .longValue());
        int window = ((Number) at(as.inputs(), "autoscalingPolicy", "scaleInControl", "timeWindowSec")).intValue();
        assertTrue(window > prodConfig.fleet().drainTimeoutSec(), "window " + window);
        assertTrue(window <= 3600, "the API's window is at most 3600 s, got " + window);
    }

    @Test
    void autoscaledFleetHasAnAutoscalerAndNoFixedSize() {
        PlannedResource mig = Stacks.one(prod, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
        assertFalse(mig.inputs().containsKey("targetSize"));
        PlannedResource as = Stacks.one(prod, "gcp:compute/regionAutoscaler:RegionAutoscaler");
        var a = prodConfig.fleet().autoscaling().orElseThrow();
        assertEquals((long) a.minReplicas(), ((Number) at(as.inputs(), "autoscalingPolicy", "minReplicas")).longValue());
        assertEquals((long) a.maxReplicas(), ((Number) at(as.inputs(), "autoscalingPolicy", "maxReplicas")).longValue());
        assertEquals(a.cpuTarget(), ((Number) at(as.inputs(), "autoscalingPolicy", "cpuUtilization", "target")).doubleValue());
        assertTrue(as.inputs().get("target").toString().endsWith("/instanceGroupManagers/mp-prod-nodes"));
    }

    // ---- observability ----

    @Test
    void metricsMatchTheNodeLogContractAndCis27() {
        Map<String, String> filters = new TreeMap<>();
        prod.ofType("gcp:logging/metric:Metric").forEach(m -> filters.put(m.name(), (String) m.inputs().get("filter")));
        assertTrue(filters.get("mp-prod-recording-upload-failures").contains("jsonPayload.event=\"recording_upload_failed\""));
        assertTrue(filters.get("mp-prod-recording-upload-latency").contains("jsonPayload.event=\"recording_uploaded\""));
        assertTrue(filters.get("mp-prod-rtcp-packet-loss").contains("jsonPayload.event=\"call_quality\""));
        assertTrue(filters.get("mp-prod-disk-pressure").contains("jsonPayload.event=\"disk_pressure\""));
        String fw = filters.get("mp-prod-firewall-changes");
        for (String m : List.of("patch", "insert", "delete")) {
            assertTrue(fw.contains("protoPayload.methodName:\"compute.firewalls." + m + "\""), m);
        }
        assertTrue(fw.startsWith("resource.type=\"gce_firewall_rule\""));
        assertEquals("EXTRACT(jsonPayload.latency_ms)",
                Stacks.named(prod, "gcp:logging/metric:Metric", "mp-prod-recording-upload-latency").inputs().get("valueExtractor"));
        assertEquals("EXTRACT(jsonPayload.packet_loss_percent)",
                Stacks.named(prod, "gcp:logging/metric:Metric", "mp-prod-rtcp-packet-loss").inputs().get("valueExtractor"));
    }

    @Test
    void alertsUseTheConfiguredThresholdAndChannels() {
        PlannedResource loss = Stacks.named(prod, "gcp:monitoring/alertPolicy:AlertPolicy", "mp-prod-high-packet-loss");
        assertEquals(prodConfig.alerts().packetLossPercent(),
                ((Number) at(loss.inputs(), "conditions", "0", "conditionThreshold", "thresholdValue")).doubleValue());
        assertNotEquals(devConfig.alerts().packetLossPercent(), prodConfig.alerts().packetLossPercent());
        prod.ofType("gcp:monitoring/alertPolicy:AlertPolicy").forEach(a ->
                assertEquals(prodConfig.alerts().notificationChannels(), a.inputs().get("notificationChannels"), a.name()));
        assertEquals(6, prod.ofType("gcp:monitoring/alertPolicy:AlertPolicy").count());
        // Packet loss, upload failures and disk pressure read the node agent's metrics, not log metrics.
        NodeContract.Metrics m = NodeContract.STANDARD.metrics();
        Map<String, NodeContract.Metric> reads = Map.of("mp-prod-disk-pressure", m.recordingsDiskUsed(),
                "mp-prod-high-packet-loss", m.callPacketLoss(), "mp-prod-recording-upload-failures", m.uploadFailures());
        reads.forEach((policy, metric) -> {
            String filter = at(Stacks.named(prod, "gcp:monitoring/alertPolicy:AlertPolicy", policy).inputs(),
                    "conditions", "0", "conditionThreshold", "filter").toString();
            assertEquals(Observability.agentMetricFilter(NodeContract.STANDARD, metric), filter, policy);
            assertTrue(filter.startsWith("metric.type=\"" + metric.monitoringType() + "\" AND resource.type=\"prometheus_target\""),
                    filter);
        });
        // A refused speech-to-text key: any increase of the counter's auth_refused series, on a counter's aligner.
        Map<String, Object> refused = at(Stacks.named(prod, "gcp:monitoring/alertPolicy:AlertPolicy", "mp-prod-stream-auth-refused")
                .inputs(), "conditions", "0", "conditionThreshold");
        assertEquals(Observability.agentMetricFilter(NodeContract.STANDARD, m.streamsFinished())
                + " AND metric.label.\"outcome\"=\"auth_refused\"", refused.get("filter"));
        assertEquals("ALIGN_DELTA", at(refused, "aggregations", "0", "perSeriesAligner"));
        assertEquals("COMPARISON_GT", refused.get("comparison"));
        assertEquals(0.0, ((Number) refused.get("thresholdValue")).doubleValue());
        assertEquals(Observability.DISK_PRESSURE_RATIO, ((Number) at(Stacks.named(prod, "gcp:monitoring/alertPolicy:AlertPolicy",
                "mp-prod-disk-pressure").inputs(), "conditions", "0", "conditionThreshold", "thresholdValue")).doubleValue());
    }

    @Test
    void theNodesDashboardChartsEveryAgentSeriesPerNodeAndForTheFleet() {
        PlannedResource d = Stacks.one(prod, "gcp:monitoring/dashboard:Dashboard");
        assertEquals("mp-prod-nodes", d.name());
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString((String) d.inputs().get("dashboardJson"))
                .getAsJsonObject();
        assertTrue(json.get("displayName").getAsString().contains("mp-prod-nodes"));
        var tiles = json.getAsJsonObject("mosaicLayout").getAsJsonArray("tiles");
        java.util.Set<String> charted = new java.util.TreeSet<>();
        for (var t : tiles) {
            var dataSets = t.getAsJsonObject().getAsJsonObject("widget").getAsJsonObject("xyChart").getAsJsonArray("dataSets");
            assertEquals(2, dataSets.size(), "a line per node and one for the fleet");
            var perNode = dataSets.get(0).getAsJsonObject().getAsJsonObject("timeSeriesQuery").getAsJsonObject("timeSeriesFilter");
            assertTrue(perNode.getAsJsonObject("aggregation").getAsJsonArray("groupByFields").toString()
                    .contains(Observability.NODE_LABEL.replace("\"", "\\\"")), perNode.toString());
            String filter = perNode.get("filter").getAsString();
            charted.add(filter.replaceAll("^metric\\.type=\"prometheus\\.googleapis\\.com/([a-z0-9_]+)/.*$", "$1"));
        }
        NodeContract.Metrics m = NodeContract.STANDARD.metrics();
        // What the issue names: calls/sessions, cps, loss, jitter, MOS, upload latency and failures, outbox, disk, CPU, memory.
        for (NodeContract.Metric x : List.of(m.activeCalls(), m.activeSessions(), m.callsStarted(), m.callPacketLoss(), m.callJitter(),
                m.callMos(), m.uploadLatency(), m.uploadFailures(), m.outboxDepth(), m.recordingsDiskUsed(), m.processCpu(),
                m.processMemory())) {
            assertTrue(charted.contains(x.name()), x.name() + " not charted: " + charted);
        }
    }

    /** The balancer's address is fixed, and the template carries it to boot only when there is a balancer. */
    @Test
    void theBalancerAddressIsFixedAndReachesTheNodesThroughTheTemplate() {
        PlannedResource vip = prod.ofType("gcp:compute/address:Address")
                .filter(r -> "INTERNAL".equals(r.inputs().get("addressType"))).findFirst().orElseThrow();
        assertEquals("10.43.3.253", vip.inputs().get("address"), "prod's /22 ends at .255: broadcast - 2");
        assertEquals(prodConfig.network().ilbAddress().orElseThrow(), vip.inputs().get("address"));
        PlannedResource prodTemplate = Stacks.one(prod, "gcp:compute/instanceTemplate:InstanceTemplate");
        assertEquals(vip.inputs().get("address"), at(prodTemplate.inputs(), "metadata", "mediaplane-ilb-vip"));
        PlannedResource devTemplate = Stacks.one(dev, "gcp:compute/instanceTemplate:InstanceTemplate");
        Map<String, Object> devMetadata = at(devTemplate.inputs(), "metadata");
        assertFalse(devMetadata.containsKey("mediaplane-ilb-vip"), "a one-node fleet has no balancer: " + devMetadata.keySet());
        assertEquals(0L, dev.ofType("gcp:compute/forwardingRule:ForwardingRule").count());
    }

    // ---- outputs ----

    @Test
    void stackOutputs() {
        assertEquals(Set.of("canaryRelease", "nodeAddresses", "nodeServiceAccount", "recordingEventsTopic", "recordingsBucket",
                "releasesBucket", "secretIds", "stableRelease"), dev.outputs().keySet());
        assertTrue(prod.outputs().containsKey("lbAddress"));
        assertEquals(MediaPlaneProgram.EPHEMERAL_NOTE, prod.outputs().get("nodeAddresses"));
        assertEquals(Renderer.render(devConfig).hash(), dev.outputs().get("stableRelease"));
        assertEquals("", dev.outputs().get("canaryRelease"));
        assertEquals(devConfig.recordingsBucketName(), dev.outputs().get("recordingsBucket"));
        assertEquals("mp-dev-node@" + devConfig.project() + ".iam.gserviceaccount.com", dev.outputs().get("nodeServiceAccount"));
        Map<String, Object> ids = at(dev.outputs(), "secretIds");
        assertEquals(NodeSecret.values().length, ids.size());
        assertEquals("projects/" + devConfig.project() + "/secrets/mp-dev-esl-password", ids.get("eslPassword"));
        String lb = (String) prod.outputs().get("lbAddress");
        PlannedResource fr = Stacks.one(prod, "gcp:compute/forwardingRule:ForwardingRule");
        assertEquals(lb, fr.inputs().get("ipAddress"));
        assertTrue(Cidr.parse(prodConfig.network().subnetCidr())
                .contains(Cidr.parse(lb + "/32")), "ILB address inside the subnet");
    }
}
