package dev.mediaplane.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An existing VPC and subnet instead of the dedicated pair. */
class NetworkModesTest {

    private static Map<String, String> existing(String vpc, String subnet) {
        var m = new java.util.TreeMap<String, String>(Map.of(
                "mediaplane:networkMode", "existing",
                "mediaplane:networkSubnetwork", subnet));
        if (vpc != null) {
            m.put("mediaplane:networkVpc", vpc);
        }
        return m;
    }

    private static Plan plan(Map<String, String> values) {
        String text = Stacks.text("dev").replaceAll("(?m)^  mediaplane:networkSubnetCidr:.*\\n", "");
        for (var e : values.entrySet()) {
            text = text.replaceAll("(?m)^  " + java.util.regex.Pattern.quote(e.getKey()) + ":.*\\n", "")
                    + "  " + e.getKey() + ": " + e.getValue() + "\n";
        }
        return PlanRunner.run(dev.mediaplane.config.StackFileLoader.parse("dev", "variant", text));
    }

    @Test
    void existingVpcAndSubnetAreUsedAndNothingIsCreated() {
        String subnet = "projects/shared-host-0001/regions/europe-west1/subnetworks/voice";
        Plan p = plan(existing("projects/shared-host-0001/global/networks/shared", subnet));
        assertEquals(0, p.ofType("gcp:compute/network:Network").count());
        assertEquals(0, p.ofType("gcp:compute/subnetwork:Subnetwork").count());
        for (PlannedResource fw : p.ofType("gcp:compute/firewall:Firewall").toList()) {
            assertEquals("projects/shared-host-0001/global/networks/shared", fw.inputs().get("network"), fw.name());
        }
        PlannedResource t = Stacks.one(p, "gcp:compute/instanceTemplate:InstanceTemplate");
        assertEquals(subnet, Stacks.at(t.inputs(), "networkInterfaces", "0", "subnetwork"));
    }

    @Test
    void withoutVpcTheSubnetsOwnVpcIsLookedUp() {
        Plan p = plan(existing(null, "voice"));
        for (PlannedResource fw : p.ofType("gcp:compute/firewall:Firewall").toList()) {
            String network = (String) fw.inputs().get("network");
            assertTrue(network.endsWith("/global/networks/voice-vpc"), network);
        }
    }
}
