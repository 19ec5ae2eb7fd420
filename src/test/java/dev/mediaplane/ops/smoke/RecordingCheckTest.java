package dev.mediaplane.ops.smoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import dev.mediaplane.agent.gcp.GoogleClients;
import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RecordingCheck's subscription through the real Pub/Sub client (HTTP/JSON) against the stand-in, which is as
 * strict as Pub/Sub: IAM on create, delete and pull, 409 on a taken name, and no delivery of what was published
 * before the subscription existed. The publishing side is the node agent's own publisher.
 */
class RecordingCheckTest {

    static final String RUNNER = "runner@mediaplane-test-000000.iam.gserviceaccount.com";
    static final String TOKEN = "ya29.MARKER-recording-check-runner";
    static final String BUCKET = "mediaplane-test-000000-mp-test-recordings";
    static final String TOPIC = "mp-test-recording-events";

    GcpStandIn gcp;
    GoogleClients node;
    EventPublisher publisher;
    RecordingClients clients;

    @BeforeEach
    void setUp() throws IOException {
        gcp = new GcpStandIn("mediaplane-test-000000", 4244);
        CallingNode.provision(gcp, BUCKET, TOPIC);
        gcp.useToken(RUNNER, TOKEN);
        String hp = gcp.url().substring("http://".length());
        node = GoogleClients.fromEnvironment(Map.of(GoogleClients.GCS_ENDPOINT, gcp.url(), GoogleClients.PUBSUB_ENDPOINT, gcp.url(),
                GoogleClients.GCE_METADATA_HOST, hp), gcp.project);
        publisher = node.eventPublisher(TOPIC);
        GoogleCredentials creds = GoogleCredentials.create(new AccessToken(TOKEN, new Date(System.currentTimeMillis() + 3_600_000)));
        clients = new RecordingClients(() -> creds, Optional.of(gcp.url()), Optional.of(gcp.url()));
    }

    @AfterEach
    void tearDown() {
        node.close();
        gcp.close();
    }

    RecordingCheck.Setup setup(String id) {
        return new RecordingCheck.Setup(gcp.project, BUCKET, TOPIC, id);
    }

    @Test
    void withoutTheRolesTheSubscriptionIsRefusedNamingThePermission() {
        IOException e = assertThrows(IOException.class, () -> RecordingCheck.open(clients, setup("mp-test-smoke-00000001")));
        assertTrue(e.getMessage().contains("PERMISSION_DENIED") && e.getMessage().contains("pubsub.subscriptions.create"),
                e.getMessage());
        assertEquals("pubsub.subscriptions.create", gcp.refusals().get(0).message());
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC));
        // Subscriber on the topic alone is not enough: create needs the project-level permission too.
        gcp.iam.grant(gcp.topicResource(TOPIC), GcpStandIn.sa(RUNNER), "roles/pubsub.subscriber");
        assertThrows(IOException.class, () -> RecordingCheck.open(clients, setup("mp-test-smoke-00000001")));
    }

    @Test
    void onlyWhatIsPublishedAfterTheSubscriptionExistsArrivesAndTheSubscriptionIsDeleted() throws Exception {
        gcp.iam.grant("projects/" + gcp.project, GcpStandIn.sa(RUNNER), "roles/pubsub.editor");
        publisher.publish("before".getBytes(StandardCharsets.UTF_8), Map.of("call_sid", "early", "event_type", "recording.evidence"));
        try (RecordingCheck rec = RecordingCheck.open(clients, setup("mp-test-smoke-00000002"))) {
            assertEquals(List.of("mp-test-smoke-00000002"), gcp.subscriptionsOf(TOPIC));
            publisher.publish("after".getBytes(StandardCharsets.UTF_8), Map.of("call_sid", "late", "event_type", "recording.evidence"));
            assertEquals(1, rec.pull());
            assertNull(rec.event("early"), "published while the subscription did not exist");
            assertEquals("after", new String(rec.event("late").data(), StandardCharsets.UTF_8));
            assertEquals(0, rec.pull(), "acknowledged: not delivered again");
            assertNull(rec.deleteSubscription());
        }
        assertEquals(List.of(), gcp.subscriptionsOf(TOPIC));
    }

    @Test
    void aDeleteThatIsRefusedIsReportedNotThrown() throws Exception {
        gcp.iam.defineRole("projects/" + gcp.project + "/roles/createOnly", java.util.Set.of("pubsub.subscriptions.create",
                "pubsub.topics.attachSubscription", "pubsub.subscriptions.consume"));
        gcp.iam.grant("projects/" + gcp.project, GcpStandIn.sa(RUNNER), "projects/" + gcp.project + "/roles/createOnly");
        try (RecordingCheck rec = RecordingCheck.open(clients, setup("mp-test-smoke-00000003"))) {
            String why = rec.deleteSubscription();
            assertTrue(why.contains("PERMISSION_DENIED") && why.endsWith("it expires after 1 day unused"), why);
        }
        assertFalse(gcp.subscriptionsOf(TOPIC).isEmpty());
    }
}
