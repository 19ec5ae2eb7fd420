package dev.mediaplane.agent.recordings;

import java.io.IOException;
import java.util.Map;

/**
 * The evidence events topic. In production {@code agent.gcp.PubSubEventPublisher} on google-cloud-pubsub;
 * the pipeline knows only this interface. Thread-safe; never logs a credential.
 */
public interface EventPublisher {
    /**
     * Publishes one message and returns the {@code messageId} Pub/Sub assigned: an outbox entry may be
     * removed only after this returned.
     *
     * @throws IOException any failure (the entry stays in the outbox and is retried)
     */
    String publish(byte[] data, Map<String, String> attributes) throws IOException;
}
