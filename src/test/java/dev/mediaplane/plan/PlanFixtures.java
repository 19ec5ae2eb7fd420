package dev.mediaplane.plan;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Hand-built plans shaped like the program's (PlanRunner is built elsewhere): a stack that
 * passes every policy, and a way to change one input to break exactly one rule.
 */
public final class PlanFixtures {

    public static final String STACK_YAML = """
            config:
              gcp:project: mediaplane-test-000000
              gcp:region: europe-west1
              mediaplane:trunkSignalingCidrs: [192.0.2.0/24]
              mediaplane:trunkMediaCidrs: [198.51.100.0/24]
              mediaplane:trunkGatewayHost: example.sip.signalwire.com
              mediaplane:trunkUsername: mediaplane-test
              mediaplane:controllerCidrs: [10.50.0.0/24]
              mediaplane:fleetSsh: true
            """;

    public static final String TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
    public static final String FIREWALL = "gcp:compute/firewall:Firewall";
    public static final String SUBNET = "gcp:compute/subnetwork:Subnetwork";
    public static final String BUCKET = "gcp:storage/bucket:Bucket";
    public static final String SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
    public static final String PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember";

    /** A long multi-line input, like the real bootstrap script. */
    public static final String STARTUP_SCRIPT = "#!/bin/bash\nset -euo pipefail\n"
            + "gsutil cp gs://mediaplane-test-000000-mp-test-releases/releases/abc/MANIFEST.sha256 /tmp/m\n".repeat(3);

    private PlanFixtures() {}

    public static LoadedConfig config() {
        return StackFileLoader.parse("test", "PlanFixtures", STACK_YAML);
    }

    /** Passes every policy: what the program is meant to declare. */
    public static Plan compliant() {
        List<PlannedResource> rs = new ArrayList<>();
        rs.add(res("mediaplane:gcp:MediaPlane", "mp-test", null, Map.of()));
        rs.add(res("mediaplane:gcp:Network", "mp-test-network", "mp-test", Map.of()));
        rs.add(res("gcp:compute/network:Network", "mp-test-vpc", "mp-test-network",
                Map.of("autoCreateSubnetworks", false, "name", "mp-test-vpc")));
        rs.add(res(SUBNET, "mp-test-subnet", "mp-test-network", Map.of("ipCidrRange", "10.42.0.0/24",
                "region", "europe-west1", "logConfig", Map.of("aggregationInterval", "INTERVAL_5_SEC",
                        "flowSampling", 0.5, "metadata", "INCLUDE_ALL_METADATA"))));
        rs.add(res(FIREWALL, "mp-test-sip-tls", "mp-test-network", Map.of("direction", "INGRESS",
                "sourceRanges", List.of("192.0.2.0/24"), "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("5061"))),
                "targetTags", List.of("mp-test-node"))));
        rs.add(res(FIREWALL, "mp-test-rtp", "mp-test-network", Map.of("direction", "INGRESS",
                "sourceRanges", List.of("198.51.100.0/24"),
                "allows", List.of(Map.of("protocol", "udp", "ports", List.of("16384-32767"))))));
        rs.add(res(FIREWALL, "mp-test-esl", "mp-test-network", Map.of("direction", "INGRESS",
                "sourceRanges", List.of("10.50.0.0/24"),
                "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("8021", "5080"))))));
        rs.add(res(FIREWALL, "mp-test-iap-ssh", "mp-test-network", Map.of("direction", "INGRESS",
                "sourceRanges", List.of("35.235.240.0/20"), "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("22"))))));
        rs.add(res(FIREWALL, "mp-test-health", "mp-test-network", Map.of("direction", "INGRESS",
                "sourceRanges", List.of("35.191.0.0/16", "130.211.0.0/22"),
                "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("8088"))))));
        rs.add(res("mediaplane:gcp:Identity", "mp-test-identity", "mp-test", Map.of()));
        rs.add(res("gcp:serviceaccount/account:Account", "mp-test-node", "mp-test-identity",
                Map.of("accountId", "mp-test-node")));
        rs.add(res(PROJECT_IAM_MEMBER, "mp-test-node-log-writer", "mp-test-identity", Map.of("project",
                "mediaplane-test-000000", "role", "roles/logging.logWriter",
                "member", "serviceAccount:mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com")));
        rs.add(res("mediaplane:gcp:Secrets", "mp-test-secrets", "mp-test", Map.of()));
        rs.add(res("gcp:secretmanager/secret:Secret", "mp-test-esl-password", "mp-test-secrets",
                Map.of("secretId", "mp-test-esl-password")));
        rs.add(res(SECRET_VERSION, "mp-test-esl-password-v", "mp-test-secrets",
                Map.of("secret", Plan.UNKNOWN, "secretData", Plan.SECRET)));
        rs.add(res("mediaplane:gcp:RecordingStore", "mp-test-recordings", "mp-test", Map.of()));
        rs.add(res(BUCKET, "mp-test-recordings", "mp-test-recordings", Map.of("location", "europe-west1",
                "uniformBucketLevelAccess", true, "publicAccessPrevention", "enforced")));
        rs.add(res("gcp:storage/bucketIAMMember:BucketIAMMember", "mp-test-recordings-writer", "mp-test-recordings",
                Map.of("bucket", Plan.UNKNOWN, "role", "roles/storage.objectCreator",
                        "member", "serviceAccount:mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com")));
        rs.add(res("gcp:storage/bucketObject:BucketObject", "mp-test-release-freeswitch-xml", "mp-test-recordings",
                Map.of("bucket", Plan.UNKNOWN, "name", "releases/abc/freeswitch.xml",
                        "content", "<document type=\"freeswitch/xml\">\n<X-PRE-PROCESS cmd=\"include\" data=\"secrets.xml\"/>\n</document>\n")));
        rs.add(res("mediaplane:gcp:Fleet", "mp-test-fleet", "mp-test", Map.of()));
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("startup-script", STARTUP_SCRIPT);
        metadata.put("enable-oslogin", "TRUE");
        metadata.put("block-project-ssh-keys", "TRUE");
        metadata.put("serial-port-enable", "FALSE");
        metadata.put("mediaplane-release", "0f".repeat(32));
        rs.add(res(TEMPLATE, "mp-test-node-template", "mp-test-fleet", Map.of(
                "machineType", "e2-standard-2",
                "canIpForward", false,
                "metadata", metadata,
                "serviceAccount", Map.of("email", "mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com",
                        "scopes", List.of("https://www.googleapis.com/auth/cloud-platform")),
                "shieldedInstanceConfig", Map.of("enableSecureBoot", true, "enableVtpm", true,
                        "enableIntegrityMonitoring", true),
                "disks", List.of(Map.of("boot", true, "diskSizeGb", 30.0,
                        "sourceImage", "projects/debian-cloud/global/images/family/debian-12")),
                "tags", List.of("mp-test-node"))));
        return new Plan("test", rs, Map.of("recordingsBucket", "mediaplane-test-000000-mp-test-recordings",
                "nodeServiceAccount", Plan.UNKNOWN));
    }

    public static PlannedResource res(String type, String name, String parent, Map<String, Object> inputs) {
        return new PlannedResource(type, name, Optional.ofNullable(parent), inputs);
    }

    /** {@code plan} with the inputs of resource {@code name} changed by {@code edit} (on a deep copy). */
    public static Plan edit(Plan plan, String name, Consumer<Map<String, Object>> edit) {
        boolean found = false;
        List<PlannedResource> out = new ArrayList<>();
        for (PlannedResource r : plan.resources()) {
            if (r.name().equals(name) && !r.isComponent()) {
                Map<String, Object> inputs = deepCopy(r.inputs());
                edit.accept(inputs);
                out.add(new PlannedResource(r.type(), r.name(), r.parent(), inputs));
                found = true;
            } else {
                out.add(r);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no resource named " + name);
        }
        return new Plan(plan.stack(), out, plan.outputs());
    }

    /** {@code plan} plus {@code extra}. */
    public static Plan add(Plan plan, PlannedResource extra) {
        List<PlannedResource> out = new ArrayList<>(plan.resources());
        out.add(extra);
        return new Plan(plan.stack(), out, plan.outputs());
    }

    @SuppressWarnings("unchecked")
    public static <T> T deepCopy(T v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, x) -> c.put(String.valueOf(k), deepCopy(x)));
            return (T) c;
        }
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            l.forEach(x -> c.add(deepCopy(x)));
            return (T) c;
        }
        return v;
    }

    /** The mutable map at {@code key} inside {@code inputs} (after {@link #edit}'s deep copy). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> sub(Map<String, Object> inputs, String key) {
        return (Map<String, Object>) inputs.get(key);
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> inputs, String key) {
        return (List<Object>) inputs.get(key);
    }
}
