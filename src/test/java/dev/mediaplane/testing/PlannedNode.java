package dev.mediaplane.testing;

import java.util.Set;

/**
 * The node's identity and grants as the plan declares them today (infra.Identity, RecordingStore,
 * Secrets), set up on a {@link GcpStandIn}. A test that needs more than this says so with
 * {@link #grantRecordingsCreateAndGet}, so the gap stays visible.
 */
public final class PlannedNode {
    private PlannedNode() {}

    /** Identity: {prefix}-node@{project}.iam.gserviceaccount.com, attached to the instance. */
    public static String attach(GcpStandIn gcp, String prefix) {
        String email = prefix + "-node@" + gcp.project + ".iam.gserviceaccount.com";
        gcp.instanceServiceAccount(email);
        return email;
    }

    /** RecordingStore: roles/storage.objectViewer on the releases bucket. */
    public static void releases(GcpStandIn gcp, String email, String bucket) {
        gcp.createBucket(bucket);
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(email), "roles/storage.objectViewer");
    }

    /** RecordingStore: roles/storage.objectCreator on the recordings bucket (create only: no get). */
    public static void recordings(GcpStandIn gcp, String email, String bucket) {
        gcp.createBucket(bucket);
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(email), "roles/storage.objectCreator");
    }

    /** RecordingStore: roles/pubsub.publisher on the recording-events topic. */
    public static void events(GcpStandIn gcp, String email, String topic) {
        gcp.createTopic(topic, false);
        gcp.iam.grant(gcp.topicResource(topic), GcpStandIn.sa(email), "roles/pubsub.publisher");
    }

    /** Secrets: every node secret exists with roles/secretmanager.secretAccessor; a version only with a value. */
    public static void secret(GcpStandIn gcp, String email, String id, byte[] valueOrNull) {
        gcp.createSecret(id);
        gcp.iam.grant(gcp.secretResource(id), GcpStandIn.sa(email), "roles/secretmanager.secretAccessor");
        if (valueOrNull != null) {
            gcp.addSecretVersion(id, valueOrNull);
        }
    }

    /**
     * NOT granted by the plan today: what issue 8 item 7 will grant the node on the recordings
     * bucket (a custom role with storage.objects.create and storage.objects.get), which the
     * uploader's read-back after a 412 or a checksum mismatch needs.
     */
    public static void grantRecordingsCreateAndGet(GcpStandIn gcp, String email, String bucket) {
        String role = "projects/" + gcp.project + "/roles/mediaplaneRecordingWriter";
        gcp.iam.defineRole(role, Set.of("storage.objects.create", "storage.objects.get"));
        gcp.iam.grant(GcpStandIn.bucketResource(bucket), GcpStandIn.sa(email), role);
    }
}
