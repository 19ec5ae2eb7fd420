package dev.mediaplane.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The longest prefix and project the config allows still give names GCP accepts. */
class NamesTest {

    static final String PREFIX = "abcdefghijklmnop-q"; // 18, the config's maximum
    static final String PROJECT = "p23456789-123456789-1234567890"; // 30, GCP's maximum
    static final Pattern RFC1035 = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

    @Test
    void everyGcpNameFitsItsLimits() {
        assertEquals(18, PREFIX.length());
        assertEquals(30, PROJECT.length());
        Plan p = PlanRunner.run(Stacks.with("prod", Map.of(
                "mediaplane:prefix", PREFIX,
                "gcp:project", PROJECT,
                "mediaplane:controllerServiceAccount", "coe-controller@" + PROJECT + ".iam.gserviceaccount.com",
                "mediaplane:alertsNotificationChannels", "[projects/" + PROJECT + "/notificationChannels/1]",
                // the longest subscriber NAME (20)
                "mediaplane:recordingsEventSubscribers", "[" + "e".repeat(20) + "=coe-controller@" + PROJECT + ".iam.gserviceaccount.com]")));
        int checked = 0;
        for (PlannedResource r : p.resources()) {
            assertTrue(r.isComponent() || r.name().startsWith(PREFIX) || r.name().startsWith(PROJECT + "-" + PREFIX), r.name());
            Object name = r.inputs().get("name");
            if (r.type().startsWith("gcp:compute/") && name instanceof String n) {
                assertTrue(RFC1035.matcher(n).matches(), r.type() + " name '" + n + "' is not a valid GCE name");
                checked++;
            }
            if (r.type().equals("gcp:storage/bucket:Bucket")) {
                assertTrue(((String) name).length() <= 63, (String) name);
                checked++;
            }
        }
        assertTrue(checked > 10);
        PlannedResource sa = Stacks.one(p, "gcp:serviceaccount/account:Account");
        assertTrue(sa.inputs().get("accountId").toString().matches("[a-z]([-a-z0-9]{4,28}[a-z0-9])"));
        assertTrue(p.ofType("gcp:projects/iAMCustomRole:IAMCustomRole").count() >= 2);
        p.ofType("gcp:projects/iAMCustomRole:IAMCustomRole").forEach(role ->
                assertTrue(role.inputs().get("roleId").toString().matches("[a-zA-Z0-9_.]{3,64}"), role.toString()));
        assertEquals(2, p.ofType("gcp:pubsub/subscription:Subscription").count());
        p.ofType("gcp:pubsub/subscription:Subscription").forEach(s ->
                assertTrue(s.inputs().get("name").toString().matches("[A-Za-z][A-Za-z0-9._~+%-]{2,254}"), s.toString()));
        p.ofType("gcp:secretmanager/secret:Secret").forEach(s ->
                assertTrue(s.inputs().get("secretId").toString().matches("[A-Za-z0-9_-]{1,255}")));
    }
}
