package dev.mediaplane.infra;

import static dev.mediaplane.infra.Stacks.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.SecretValue;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Secret values stay out of every plan; secrets, versions, access and rotation are declared right. */
class SecretsTest {

    static final String VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
    static final String SECRET = "gcp:secretmanager/secret:Secret";
    static final String CIPHERTEXT = "v1:CIPHERTEXT-3f9a7c21e0b4";

    static Map<NodeSecret, String> markers = new EnumMap<>(NodeSecret.class);
    static Plan withMarkers;
    static Plan withSecure;
    static Plan dev;

    @BeforeAll
    static void plan() {
        LoadedConfig base = Stacks.load("prod");
        Map<NodeSecret, SecretValue> values = new EnumMap<>(NodeSecret.class);
        for (NodeSecret s : NodeSecret.values()) {
            String marker = "MARKER-" + s.secretSuffix() + "-3f9a7c21e0b4d5";
            markers.put(s, marker);
            values.put(s, SecretValue.of(marker));
        }
        withMarkers = PlanRunner.run(new LoadedConfig(base.config(), values));
        // The offline path: a secure: value in the stack file stands in as an opaque secret.
        withSecure = PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:eslPassword", "{secure: '" + CIPHERTEXT + "'}")));
        dev = PlanRunner.run(Stacks.load("dev"));
    }

    @Test
    void plantedSecretValuesAppearNowhereInThePlan() {
        String gson = Stacks.gson().toJson(withMarkers);
        String text = withMarkers.toString();
        for (String marker : markers.values()) {
            assertFalse(gson.contains(marker), "marker in the Gson dump: " + marker);
            assertFalse(text.contains(marker), "marker in the plan's text: " + marker);
            // A prefix of the value must not leak either (e.g. a truncated echo).
            assertFalse(gson.contains(marker.substring(0, 20)), marker);
        }
        assertFalse(gson.contains("MARKER-"));
        assertFalse(Stacks.gson().toJson(withMarkers.outputs()).contains("MARKER-"));
    }

    @Test
    void everyGivenValueBecomesOneVersionWhoseDataShowsAsSecret() {
        List<PlannedResource> versions = withMarkers.ofType(VERSION).toList();
        assertEquals(NodeSecret.values().length, versions.size());
        for (PlannedResource v : versions) {
            assertEquals(Plan.SECRET, v.inputs().get("secretData"), v.name());
            assertTrue(v.inputs().get("secret").toString().startsWith("projects/mediaplane-prod-000000/secrets/mp-prod-"));
        }
    }

    @Test
    void aSecureValueFromTheStackFileIsAnOpaqueSecret() {
        List<PlannedResource> versions = withSecure.ofType(VERSION).toList();
        assertEquals(1, versions.size());
        assertEquals("mp-dev-esl-password-value", versions.get(0).name());
        assertEquals(Plan.SECRET, versions.get(0).inputs().get("secretData"));
        assertFalse(Stacks.gson().toJson(withSecure).contains("CIPHERTEXT-3f9a7c21e0b4"));
    }

    @Test
    void noValueNoVersionButTheSecretAndItsAccessExist() {
        assertEquals(0, dev.ofType(VERSION).count());
        assertEquals(NodeSecret.values().length, dev.ofType(SECRET).count());
        for (PlannedResource s : dev.ofType(SECRET).toList()) {
            assertEquals(List.of(Map.of("location", "europe-west1")), at(s.inputs(), "replication", "userManaged", "replicas"));
            assertEquals("secrets", at(s.inputs(), "labels", "component"));
        }
    }

    @Test
    void rotationIsScheduledOnTheAnchoredGridAndNotifiesThroughTheTopic() {
        PlannedResource topic = Stacks.named(withMarkers, "gcp:pubsub/topic:Topic", "mp-prod-secret-rotation");
        PlannedResource grant = Stacks.named(withMarkers, "gcp:pubsub/topicIAMMember:TopicIAMMember", "mp-prod-secret-rotation-publisher");
        assertEquals("roles/pubsub.publisher", grant.inputs().get("role"));
        assertEquals(topic.inputs().get("name"), grant.inputs().get("topic"));
        assertTrue(grant.inputs().get("member").toString().matches(
                "serviceAccount:service-[0-9]{12}@gcp-sa-secretmanager\\.iam\\.gserviceaccount\\.com"), grant.inputs().toString());
        for (PlannedResource s : withMarkers.ofType(SECRET).toList()) {
            assertEquals("7776000s", at(s.inputs(), "rotation", "rotationPeriod"));
            Instant next = Instant.parse(at(s.inputs(), "rotation", "nextRotationTime"));
            long sinceAnchor = Duration.between(Secrets.ROTATION_ANCHOR, next).toSeconds();
            assertEquals(0, sinceAnchor % Duration.ofDays(90).toSeconds(), "on the anchored grid: " + next);
            assertTrue(next.isAfter(Instant.now()), "in the future: " + next);
            assertEquals("projects/mediaplane-prod-000000/topics/mp-prod-secret-rotation", at(s.inputs(), "topics", "0", "name"));
        }
    }

    @Test
    void nextRotationIsStableWithinAPeriodAndMovesByOnePeriod() {
        Duration p = Duration.ofDays(90);
        Instant a = Secrets.nextRotation(Instant.parse("2026-03-01T00:00:00Z"), p);
        Instant b = Secrets.nextRotation(Instant.parse("2026-03-20T12:00:00Z"), p);
        assertEquals(a, b);
        assertEquals(Instant.parse("2026-04-05T03:00:00Z"), a);
        // A day before the boundary the next one is already chosen (at least a day ahead).
        assertEquals(a.plus(p), Secrets.nextRotation(a.minus(Duration.ofHours(12)), p));
        assertEquals(Secrets.ROTATION_ANCHOR, Secrets.nextRotation(Instant.parse("2025-06-01T00:00:00Z"), p));
    }

    @Test
    void withoutRotationThereIsNoScheduleAndNoTopic() {
        Plan off = PlanRunner.run(Stacks.with("dev", Map.of("mediaplane:secretsRotationDays", "0")));
        off.ofType(SECRET).forEach(s -> {
            assertFalse(s.inputs().containsKey("rotation"), s.name());
            assertFalse(s.inputs().containsKey("topics"), s.name());
        });
        assertEquals(0, off.ofType("gcp:projects/serviceIdentity:ServiceIdentity").count());
        assertEquals(List.of("mp-dev-recording-events"), off.ofType("gcp:pubsub/topic:Topic").map(PlannedResource::name).toList());
    }
}
