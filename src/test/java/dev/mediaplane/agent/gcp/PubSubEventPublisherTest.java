package dev.mediaplane.agent.gcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.agent.recordings.EventPublisher;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real google-cloud-pubsub TopicAdminClient (HTTP/JSON transport) against the stand-in's REST API. */
class PubSubEventPublisherTest {
    CloudFixture f;
    GoogleClients clients;
    LeakWatch watch = new LeakWatch();
    final List<Throwable> thrown = new ArrayList<>();

    @AfterEach
    void tearDown() {
        try {
            if (clients != null) {
                clients.close();
            }
            f.close();
            watch.close();
            for (Throwable t : thrown) {
                assertTrue(!LeakWatch.describe(t).contains(f.marker), "the token in an exception: " + LeakWatch.describe(t));
            }
            watch.assertNoLeak(f.marker);
            assertTrue(watch.records() > 0, "the Google libraries' logs were watched at their most verbose");
        } finally {
            watch.close();
        }
    }

    EventPublisher start(CloudFixture fixture) {
        f = fixture;
        clients = f.clients();
        return clients.eventPublisher(f.cloud.eventsTopic());
    }

    String evidenceSubscription() {
        return f.cloud.subscriptionConsumers().entrySet().stream().filter(e -> e.getValue().equals(CloudFixture.CONSUMER))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("the plan has no evidence subscription: "
                        + f.cloud.subscriptionConsumers()));
    }

    @Test
    void publishReturnsTheMessageIdAndTheMessageReachesThePlannedSubscription() throws Exception {
        EventPublisher p = start(new CloudFixture());
        String id = p.publish("{\"event\":\"recording.uploaded\"}".getBytes(StandardCharsets.UTF_8),
                Map.of("event", "recording.uploaded", "call_sid", "CA1"));
        assertTrue(id.matches("[0-9]+"), id);
        var received = f.gcp.subscriber(evidenceSubscription(), CloudFixture.CONSUMER).received();
        assertEquals(1, received.size());
        GcpStandIn.Message m = received.get(0);
        assertEquals(id, m.id());
        assertEquals("{\"event\":\"recording.uploaded\"}", new String(m.data(), StandardCharsets.UTF_8));
        assertEquals(Map.of("event", "recording.uploaded", "call_sid", "CA1"), m.attributes());
        assertTrue(f.gcp.requests().contains("POST /v1/projects/" + f.gcp.project + "/topics/" + f.cloud.eventsTopic() + ":publish"),
                "the REST publish, through the endpoint override: " + f.gcp.requests());
    }

    @Test
    void withoutASubscriptionNothingIsDelivered() throws Exception {
        EventPublisher p = start(new CloudFixture(Map.of()));
        assertEquals(Map.of(), f.cloud.subscriptionConsumers(), "this plan declares no consumer");
        String id = p.publish("lost".getBytes(StandardCharsets.UTF_8), Map.of("event", "x"));
        assertTrue(id.matches("[0-9]+"), "Pub/Sub accepts it: " + id);
        String late = "late-consumer@" + f.gcp.project + ".iam.gserviceaccount.com";
        f.gcp.createSubscription("late", f.cloud.eventsTopic());
        f.gcp.iam.grant(f.gcp.subscriptionResource("late"), GcpStandIn.sa(late), "roles/pubsub.subscriber");
        assertEquals(List.of(), f.gcp.subscriber("late", late).received(), "published before any subscription: gone");
    }

    @Test
    void aPublisherWithoutTopicsPublishGetsA403IOException() throws Exception {
        start(new CloudFixture());
        f.gcp.createTopic("other-topic", false);
        EventPublisher other = clients.eventPublisher("other-topic");
        IOException e = assertThrows(IOException.class, () -> other.publish("x".getBytes(StandardCharsets.UTF_8), Map.of()));
        thrown.add(e);
        assertTrue(e.getMessage().contains("PERMISSION_DENIED") && e.getMessage().contains("projects/" + f.gcp.project
                + "/topics/other-topic"), e.getMessage());
        assertEquals("pubsub.topics.publish", f.gcp.refusals().get(f.gcp.refusals().size() - 1).message());
        assertEquals(1, f.gcp.requests().stream().filter(r -> r.contains("other-topic:publish")).count(), "a 403 is not retried");
    }

    @Test
    void failedPublishesAreRetriedByTheClientBoundedAndNeverDuplicated() throws Exception {
        EventPublisher p = start(new CloudFixture());
        f.gcp.failPublishes.set(2);
        String id = p.publish("retried".getBytes(StandardCharsets.UTF_8), Map.of("n", "1"));
        var received = f.gcp.subscriber(evidenceSubscription(), CloudFixture.CONSUMER).received();
        assertEquals(List.of(id), received.stream().map(GcpStandIn.Message::id).toList());

        f.gcp.failPublishes.set(1000);
        long before = publishes();
        IOException e = assertThrows(IOException.class, () -> p.publish("never".getBytes(StandardCharsets.UTF_8), Map.of()));
        thrown.add(e);
        assertTrue(e.getMessage().contains("UNAVAILABLE"), e.getMessage());
        assertEquals(GoogleClients.PUBLISH_RETRIES.getMaxAttempts(), publishes() - before);
        f.gcp.failPublishes.set(0);
    }

    @Test
    void anEmptyMessageIsRefusedByPubSubAsItIsByTheRealService() throws Exception {
        EventPublisher p = start(new CloudFixture());
        IOException e = assertThrows(IOException.class, () -> p.publish(new byte[0], Map.of()));
        thrown.add(e);
        assertTrue(e.getMessage().contains("INVALID_ARGUMENT"), e.getMessage());
    }

    @Test
    void aMalformedTopicIsRefusedNamingIt() throws IOException {
        start(new CloudFixture());
        var e = assertThrows(IllegalArgumentException.class, () -> clients.eventPublisher("projects/x/topics/y"));
        assertTrue(e.getMessage().contains("'projects/x/topics/y'"), e.getMessage());
    }

    long publishes() {
        return f.gcp.requests().stream().filter(r -> r.endsWith(":publish")).count();
    }
}
