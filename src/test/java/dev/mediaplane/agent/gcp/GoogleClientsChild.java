package dev.mediaplane.agent.gcp;

import dev.mediaplane.agent.recordings.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A child JVM's main for {@link GoogleClientsTest}: builds the clients from the arguments only (never from its own,
 * deliberately misleading, process environment), uploads one object and publishes one message.
 * Args: standInUrl project bucket topic objectName.
 */
public final class GoogleClientsChild {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        Map<String, String> env = Map.of(GoogleClients.GCS_ENDPOINT, url, GoogleClients.PUBSUB_ENDPOINT, url,
                GoogleClients.GCE_METADATA_HOST, url.substring("http://".length()));
        byte[] body = "child".getBytes(StandardCharsets.UTF_8);
        try (GoogleClients c = GoogleClients.fromEnvironment(env, args[1])) {
            ObjectStore.StoredObject o = c.objectStore(args[2]).createIfAbsent(args[4], body, "text/plain",
                    CloudFixture.digest(body));
            String id = c.eventPublisher(args[3]).publish(body, Map.of("from", "child"));
            System.out.println("OK " + o.generation() + " " + id);
        }
    }
}
