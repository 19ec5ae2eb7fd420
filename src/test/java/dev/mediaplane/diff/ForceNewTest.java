package dev.mediaplane.diff;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ForceNewTest {

    @Test
    void everyTypeTheCommittedStacksDeclareIsClassified() {
        TreeSet<String> missing = new TreeSet<>();
        for (String stack : List.of("dev", "prod")) {
            PlanRunner.run(StackFileLoader.load(Path.of(""), stack), Instant.parse("2026-12-02T00:00:00Z")).resources().stream()
                    .filter(r -> !r.isComponent()).map(PlannedResource::type).filter(t -> !ForceNew.knows(t)).forEach(missing::add);
        }
        assertTrue(missing.isEmpty(), "types without a force-new row (add them to ForceNew with their source): " + missing);
    }

    @Test
    void rowsSayWhatGcpCannotUpdate() {
        assertTrue(ForceNew.replaces("gcp:compute/firewall:Firewall", "network"));
        assertFalse(ForceNew.replaces("gcp:compute/firewall:Firewall", "sourceRanges"));
        assertFalse(ForceNew.replaces("gcp:compute/firewall:Firewall", "allows[0].ports"));
        assertTrue(ForceNew.replaces("gcp:compute/instanceTemplate:InstanceTemplate", "metadata.startup-script"));
        assertTrue(ForceNew.replaces("gcp:compute/address:Address", "addressType"));
        assertFalse(ForceNew.replaces("gcp:compute/address:Address", "labels.team"));
        assertTrue(ForceNew.replaces("gcp:storage/bucket:Bucket", "location"));
        assertFalse(ForceNew.replaces("gcp:storage/bucket:Bucket", "lifecycleRules[0].condition.age"));
        assertTrue(ForceNew.replaces("gcp:pubsub/subscription:Subscription", "topic"));
        assertTrue(ForceNew.replaces("gcp:secretmanager/secretVersion:SecretVersion", "secretData"));
        assertFalse(ForceNew.replaces("mediaplane:gcp:Fleet", "anything"));
    }
}
