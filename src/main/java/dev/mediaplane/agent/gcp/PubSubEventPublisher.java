package dev.mediaplane.agent.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import dev.mediaplane.agent.recordings.EventPublisher;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link EventPublisher} on google-cloud-pubsub's {@link TopicAdminClient} (a synchronous publish: the messageId
 * is what lets the outbox drop an entry). Built by {@link GoogleClients} with the HTTP/JSON transport, so the
 * same REST API serves production and the loopback stand-in; retries are the client's settings
 * ({@link GoogleClients#PUBLISH_RETRIES}). Every failure, a 403 without {@code pubsub.topics.publish} included,
 * is an {@link IOException} naming the topic and the status. Thread-safe.
 */
public final class PubSubEventPublisher implements EventPublisher {
    private final TopicAdminClient client;
    private final TopicName topic;

    public PubSubEventPublisher(TopicAdminClient client, String project, String topic) {
        this.client = Objects.requireNonNull(client, "client");
        if (topic == null || !topic.matches("[A-Za-z][A-Za-z0-9._~+%-]{2,254}") || topic.startsWith("goog")) {
            throw new IllegalArgumentException("topic must be a Pub/Sub topic id (3-255 of [A-Za-z0-9._~+%-], starting"
                    + " with a letter, not goog), got '" + topic + "'");
        }
        this.topic = TopicName.of(Objects.requireNonNull(project, "project"), topic);
    }

    /** {@code projects/<project>/topics/<topic>}. */
    public String topic() { return topic.toString(); }

    @Override
    public String publish(byte[] data, Map<String, String> attributes) throws IOException {
        PubsubMessage message = PubsubMessage.newBuilder()
                .setData(ByteString.copyFrom(data))
                .putAllAttributes(attributes == null ? Map.of() : attributes)
                .build();
        PublishResponse r;
        try {
            r = client.publish(topic, List.of(message));
        } catch (ApiException e) {
            throw new IOException("publish to " + topic + " failed: " + e.getStatusCode().getCode() + " " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException("publish to " + topic + " failed: " + e, e);
        }
        if (r.getMessageIdsCount() != 1) {
            throw new IOException("publish to " + topic + " returned " + r.getMessageIdsCount() + " message ids for 1 message");
        }
        return r.getMessageIds(0);
    }
}
