package dev.mediaplane.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.ConfigException;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the plan declares for recordings and their events (issue 8 items 7 and 8). */
class RecordingStorePlanTest {

    static final String SUB = "gcp:pubsub/subscription:Subscription";
    static final String SUB_IAM = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember";
    static final String COE = "coe-engine@mediaplane-dev-000000.iam.gserviceaccount.com";

    @Test
    void theNodeGetsACustomRoleWithCreateAndGetLimitedToOrgAndNoObjectCreator() {
        Plan plan = Stacks.plan(Stacks.load("dev"));
        PlannedResource role = Stacks.one(plan, "gcp:projects/iAMCustomRole:IAMCustomRole");
        assertEquals(Set.of("storage.objects.create", "storage.objects.get"), Set.copyOf(Stacks.<List<String>>at(role.inputs(), "permissions")));
        assertEquals("mp_dev_recording_writer", role.inputs().get("roleId"));
        PlannedResource binding = Stacks.named(plan, "gcp:storage/bucketIAMMember:BucketIAMMember", "mp-dev-recordings-node-writer");
        assertEquals("projects/mediaplane-dev-000000/roles/mp_dev_recording_writer", binding.inputs().get("role"));
        assertEquals("resource.name.startsWith(\"projects/_/buckets/mediaplane-dev-000000-mp-dev-recordings/objects/org/\")",
                Stacks.at(binding.inputs(), "condition", "expression"));
        assertTrue(plan.ofType("gcp:storage/bucketIAMMember:BucketIAMMember")
                .noneMatch(r -> "roles/storage.objectCreator".equals(r.inputs().get("role"))));
    }

    @Test
    void theEventsTopicRetainsMessagesAndWithoutSubscribersNoSubscriptionIsMade() {
        Plan plan = Stacks.plan(Stacks.load("dev"));
        assertEquals("604800s", Stacks.named(plan, "gcp:pubsub/topic:Topic", "mp-dev-recording-events").inputs().get("messageRetentionDuration"));
        assertEquals(0, plan.ofType(SUB).count());
    }

    @Test
    void eachSubscriberGetsANeverExpiringSubscriptionWithDeadLettersAndOnlyItsAccountConsumes() {
        var config = Stacks.with("dev", Map.of("mediaplane:recordingsEventSubscribers",
                "[coe=" + COE + ", evidence=evidence-pipeline@mediaplane-dev-000000.iam.gserviceaccount.com]"));
        Plan plan = Stacks.plan(config);
        assertEquals(List.of(), dev.mediaplane.policy.PolicyEngine.evaluate(plan, config.config()), "mediaplane check passes with subscribers");
        PlannedResource coe = Stacks.named(plan, SUB, "mp-dev-recording-events-coe");
        assertEquals("projects/mediaplane-dev-000000/topics/mp-dev-recording-events", coe.inputs().get("topic"));
        assertEquals("", Stacks.at(coe.inputs(), "expirationPolicy", "ttl"));
        assertEquals("projects/mediaplane-dev-000000/topics/mp-dev-recording-events-dead-letter",
                Stacks.at(coe.inputs(), "deadLetterPolicy", "deadLetterTopic"));
        assertEquals(10, ((Number) Stacks.at(coe.inputs(), "deadLetterPolicy", "maxDeliveryAttempts")).intValue());
        assertEquals("604800s", coe.inputs().get("messageRetentionDuration"));
        assertEquals(60, ((Number) coe.inputs().get("ackDeadlineSeconds")).intValue());
        assertEquals("10s", Stacks.at(coe.inputs(), "retryPolicy", "minimumBackoff"));
        Stacks.named(plan, SUB, "mp-dev-recording-events-evidence");
        // The dead-letter topic keeps what it is sent: it has a subscription of its own.
        assertEquals("", Stacks.at(Stacks.named(plan, SUB, "mp-dev-recording-events-dead-letter").inputs(), "expirationPolicy", "ttl"));

        assertEquals("pubsub.googleapis.com", Stacks.named(plan, "gcp:projects/serviceIdentity:ServiceIdentity", "mp-dev-pubsub-agent")
                .inputs().get("service"));
        List<PlannedResource> coeGrants = plan.ofType(SUB_IAM)
                .filter(r -> r.inputs().get("subscription").equals("mp-dev-recording-events-coe")).toList();
        assertEquals(Set.of("serviceAccount:" + COE), coeGrants.stream().map(r -> (String) r.inputs().get("member"))
                .filter(m -> !m.contains("@gcp-sa-pubsub.")).collect(java.util.stream.Collectors.toSet()));
        assertTrue(coeGrants.stream().anyMatch(r -> ((String) r.inputs().get("member")).contains("@gcp-sa-pubsub.iam.gserviceaccount.com")),
                "the Pub/Sub agent must acknowledge forwarded messages: " + coeGrants);
        coeGrants.forEach(r -> assertEquals("roles/pubsub.subscriber", r.inputs().get("role")));
        PlannedResource dlqPublisher = Stacks.named(plan, "gcp:pubsub/topicIAMMember:TopicIAMMember", "mp-dev-recording-events-dead-letter-agent-publisher");
        assertTrue(((String) dlqPublisher.inputs().get("member")).contains("@gcp-sa-pubsub.iam.gserviceaccount.com"));
        assertEquals("roles/pubsub.publisher", dlqPublisher.inputs().get("role"));
    }

    @Test
    void aBadOrRepeatedSubscriberNamesTheKeyTheValueAndWhatIsAllowed() {
        ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Stacks.with("dev", Map.of("mediaplane:recordingsEventSubscribers", "[COE=not-an-email]")).config());
        assertTrue(bad.getMessage().contains("mediaplane:recordingsEventSubscribers[0]") && bad.getMessage().contains("COE=not-an-email")
                && bad.getMessage().contains("NAME=SERVICE_ACCOUNT_EMAIL"), bad.getMessage());
        ConfigException twice = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> Stacks.with("dev", Map.of("mediaplane:recordingsEventSubscribers", "[coe=" + COE + ", coe=" + COE + "]")).config());
        assertTrue(twice.getMessage().contains("'coe' twice"), twice.getMessage());
    }
}
