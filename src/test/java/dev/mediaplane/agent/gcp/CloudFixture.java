package dev.mediaplane.agent.gcp;

import dev.mediaplane.agent.recordings.ObjectStore.LocalDigest;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/**
 * The node's cloud as the dev stack plans it (one evidence consumer subscribed), on a fresh stand-in, and the
 * real clients pointed at it the way the agent will be: through {@link GoogleClients#fromEnvironment}.
 */
final class CloudFixture implements AutoCloseable {
    static final String CONSUMER_NAME = "evidence";
    static final String CONSUMER = "evidence-consumer@mediaplane-dev-000000.iam.gserviceaccount.com";

    final PlannedNode.Cloud cloud;
    final GcpStandIn gcp;
    /** The token the metadata server hands the node: a planted marker that must never be printed. */
    final String marker;

    CloudFixture() throws IOException {
        this(Map.of("mediaplane:recordingsEventSubscribers", "[" + CONSUMER_NAME + "=" + CONSUMER + "]"));
    }

    CloudFixture(Map<String, String> extraConfig) throws IOException {
        cloud = PlannedNode.start(PlannedNode.plan("dev", extraConfig));
        gcp = cloud.gcp();
        marker = "ya29.PLANTED-MARKER-" + java.util.UUID.randomUUID();
        gcp.useToken(gcp.instanceServiceAccount(), marker);
    }

    Map<String, String> env() {
        String hostPort = gcp.url().substring("http://".length());
        return Map.of(GoogleClients.GCS_ENDPOINT, gcp.url(), GoogleClients.PUBSUB_ENDPOINT, gcp.url(),
                GoogleClients.GCE_METADATA_HOST, hostPort);
    }

    GoogleClients clients() {
        return GoogleClients.fromEnvironment(env(), gcp.project);
    }

    @Override
    public void close() {
        gcp.close();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static LocalDigest digest(byte[] b) {
        try {
            return new LocalDigest(b.length, GcpStandIn.md5B64(b), GcpStandIn.crc32cB64(b),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
