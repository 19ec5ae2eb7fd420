package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.projects.IAMCustomRole;
import com.pulumi.gcp.projects.IAMCustomRoleArgs;
import com.pulumi.gcp.projects.ServiceIdentity;
import com.pulumi.gcp.projects.ServiceIdentityArgs;
import com.pulumi.gcp.pubsub.Subscription;
import com.pulumi.gcp.pubsub.SubscriptionArgs;
import com.pulumi.gcp.pubsub.SubscriptionIAMMember;
import com.pulumi.gcp.pubsub.SubscriptionIAMMemberArgs;
import com.pulumi.gcp.pubsub.inputs.SubscriptionDeadLetterPolicyArgs;
import com.pulumi.gcp.pubsub.inputs.SubscriptionExpirationPolicyArgs;
import com.pulumi.gcp.pubsub.inputs.SubscriptionRetryPolicyArgs;
import com.pulumi.gcp.storage.inputs.BucketIAMMemberConditionArgs;
import com.pulumi.gcp.pubsub.Topic;
import com.pulumi.gcp.pubsub.TopicArgs;
import com.pulumi.gcp.pubsub.TopicIAMMember;
import com.pulumi.gcp.pubsub.TopicIAMMemberArgs;
import com.pulumi.gcp.storage.Bucket;
import com.pulumi.gcp.storage.BucketArgs;
import com.pulumi.gcp.storage.BucketIAMMember;
import com.pulumi.gcp.storage.BucketIAMMemberArgs;
import com.pulumi.asset.FileAsset;
import com.pulumi.gcp.storage.BucketObject;
import com.pulumi.gcp.storage.BucketObjectArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleActionArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleConditionArgs;
import com.pulumi.gcp.storage.inputs.BucketRetentionPolicyArgs;
import com.pulumi.gcp.storage.inputs.BucketVersioningArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.Bundle;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where recordings go and where releases come from: the recordings bucket (the node may create
 * objects under {@code org/} and read them back to verify a retry; it may not list, overwrite or
 * delete), the releases bucket with the current release's files (the node may read, nothing
 * more), and the evidence events topic the node publishes to, with one subscription per
 * configured consumer so no event depends on a consumer being online.
 *
 * <p>Release objects are immutable ({@code releases/<hash>/...}) and kept on delete: a stable
 * release rendered by an older program run is no longer declared by a newer one, yet its nodes
 * still boot from it. Pulumi forgets them; GCS keeps them.
 */
public final class RecordingStore extends Component {

    public static final String TYPE = "mediaplane:gcp:RecordingStore";

    /**
     * The node's role on the recordings bucket. create: new objects (ifGenerationMatch=0 never
     * replaces, so no delete). get: after a 412 or a lost response the node must read the stored
     * object's md5 and size, and the manifest, to decide; roles/storage.objectCreator has no get.
     */
    public static final List<String> RECORDING_WRITER_PERMISSIONS = List.of("storage.objects.create", "storage.objects.get");

    /** Where the node writes: recordings and manifests live under org/{organization_id}/. */
    public static final String OBJECT_PREFIX = "org/";

    /** Topic, dead-letter topic and subscription message retention: 7 days (topic max 31 d, subscription max 7 d). */
    public static final String EVENTS_RETENTION = "604800s";
    /** Seconds a consumer has to acknowledge before redelivery. */
    public static final int EVENTS_ACK_DEADLINE_SECONDS = 60;
    /** Deliveries before a message goes to the dead-letter topic (Pub/Sub allows 5-100). */
    public static final int EVENTS_MAX_DELIVERY_ATTEMPTS = 10;

    /**
     * Inputs.
     *
     * @param config the stack; bucket names, lifecycle and retention come from it
     * @param release the current render, uploaded under {@code releases/<hash>/}
     * @param nodeServiceAccountEmail the account granted create (recordings), read (releases), publish (events)
     */
    public record Args(StackConfig config, Bundle release, Output<String> nodeServiceAccountEmail) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(release, "release");
            Objects.requireNonNull(nodeServiceAccountEmail, "nodeServiceAccountEmail");
        }
    }

    public final Output<String> recordingsBucket;
    public final Output<String> releasesBucket;
    /** Full topic id ({@code projects/P/topics/T}). */
    public final Output<String> recordingEventsTopic;

    public RecordingStore(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();
        Output<String> nodeMember = args.nodeServiceAccountEmail().applyValue(Common::saMember);
        var rec = c.recordings();

        var recordingsArgs = BucketArgs.builder()
                .project(c.project())
                .name(c.recordingsBucketName())
                .location(rec.location())
                .storageClass(rec.storageClass())
                .uniformBucketLevelAccess(true)
                .publicAccessPrevention("enforced")
                // Objects are write-once (the node only creates); versions would only keep deleted ones.
                .versioning(BucketVersioningArgs.builder().enabled(false).build())
                .labels(Common.labels(c, "recordings"));
        if (rec.deleteAfterDays() > 0) {
            recordingsArgs.lifecycleRules(BucketLifecycleRuleArgs.builder()
                    .action(BucketLifecycleRuleActionArgs.builder().type("Delete").build())
                    .condition(BucketLifecycleRuleConditionArgs.builder().age(rec.deleteAfterDays()).build())
                    .build());
        }
        if (rec.retentionDays() > 0) {
            // Not locked: locking is irreversible and belongs to a compliance decision, not a deploy.
            recordingsArgs.retentionPolicy(BucketRetentionPolicyArgs.builder()
                    .retentionPeriod(rec.retentionDays() * 86400)
                    .isLocked(false)
                    .build());
        }
        Bucket recordings = new Bucket(c.recordingsBucketName(), recordingsArgs.build(), Common.child(this));
        // Custom role ids allow [a-zA-Z0-9_.] only: the prefix's dashes become underscores. A deleted
        // custom role stays soft-deleted for days; a stable id lets a re-create undelete it.
        IAMCustomRole writer = new IAMCustomRole(prefix + "-recording-writer", IAMCustomRoleArgs.builder()
                .project(c.project())
                .roleId(prefix.replace('-', '_') + "_recording_writer")
                .title("mediaplane recording writer (" + c.stack() + ")")
                .description("Create recordings and read them back to verify; never list, overwrite or delete.")
                .permissions(RECORDING_WRITER_PERMISSIONS)
                .stage("GA")
                .build(), Common.child(this));
        // The condition needs uniform bucket-level access, which the bucket has.
        new BucketIAMMember(prefix + "-recordings-node-writer", BucketIAMMemberArgs.builder()
                .bucket(recordings.name())
                .role(writer.name())
                .member(nodeMember)
                .condition(BucketIAMMemberConditionArgs.builder()
                        .title("recordings under " + OBJECT_PREFIX + " only")
                        .expression(prefixCondition(c.recordingsBucketName()))
                        .build())
                .build(), Common.child(this));

        Bucket releases = new Bucket(c.releasesBucketName(), BucketArgs.builder()
                .project(c.project())
                .name(c.releasesBucketName())
                .location(c.region().toUpperCase(java.util.Locale.ROOT))
                .storageClass("STANDARD")
                .uniformBucketLevelAccess(true)
                .publicAccessPrevention("enforced")
                .versioning(BucketVersioningArgs.builder().enabled(false).build())
                .labels(Common.labels(c, "releases"))
                .build(), Common.child(this));
        new BucketIAMMember(prefix + "-releases-node-viewer", BucketIAMMemberArgs.builder()
                .bucket(releases.name())
                .role("roles/storage.objectViewer")
                .member(nodeMember)
                .build(), Common.child(this));

        Bundle bundle = args.release();
        String hash = bundle.hash();
        String objectPrefix = "releases/" + hash + "/";
        CustomResourceOptions keep = Common.childBuilder(this).retainOnDelete(true).build();
        String logicalPrefix = prefix + "-release-" + hash.substring(0, 12) + "-";
        for (String path : bundle.paths()) {
            var object = BucketObjectArgs.builder().bucket(releases.name()).name(objectPrefix + path);
            // Binary files (the node agent's jar) are uploaded from the file they were read from; the
            // manifest, and so the release hash, covers their bytes like every other file's.
            bundle.origin(path).ifPresentOrElse(
                    file -> object.source(new FileAsset(file.toString())).contentType("application/java-archive"),
                    () -> object.content(utf8(path, bundle.file(path))));
            new BucketObject(logicalPrefix + path, object.build(), keep);
        }
        new BucketObject(logicalPrefix + "MANIFEST.sha256", BucketObjectArgs.builder()
                .bucket(releases.name())
                .name(objectPrefix + "MANIFEST.sha256")
                .content(bundle.manifest())
                .contentType("text/plain; charset=utf-8")
                .build(), keep);

        // Retention: an event published while no subscription exists (a consumer added later) can
        // still be replayed with a seek; without it Pub/Sub drops it on publish.
        Topic events = new Topic(c.eventsTopicName(), TopicArgs.builder()
                .project(c.project())
                .name(c.eventsTopicName())
                .messageRetentionDuration(EVENTS_RETENTION)
                .labels(Common.labels(c, "recordings"))
                .build(), Common.child(this));
        new TopicIAMMember(prefix + "-recording-events-node-publisher", TopicIAMMemberArgs.builder()
                .project(c.project())
                .topic(events.name())
                .role("roles/pubsub.publisher")
                .member(nodeMember)
                .build(), Common.child(this));

        if (!rec.subscribers().isEmpty()) {
            subscriptions(c, events);
        }

        this.recordingsBucket = recordings.name();
        this.releasesBucket = releases.name();
        this.recordingEventsTopic = events.id();
        registerOutputs(Map.of(
                "recordingsBucket", recordingsBucket,
                "releasesBucket", releasesBucket,
                "recordingEventsTopic", recordingEventsTopic));
    }

    /** The IAM condition that limits the node's role to objects under {@link #OBJECT_PREFIX}. */
    public static String prefixCondition(String bucket) {
        return "resource.name.startsWith(\"projects/_/buckets/" + bucket + "/objects/" + OBJECT_PREFIX + "\")";
    }

    /**
     * One pull subscription per configured consumer, each with the dead-letter topic; the Pub/Sub
     * service agent may publish to the dead-letter topic and acknowledge on each subscription
     * (without both, dead lettering silently does nothing). The dead-letter topic has its own
     * subscription: a topic without one drops what it is sent.
     */
    private void subscriptions(StackConfig c, Topic events) {
        String prefix = c.prefix();
        String dlqName = c.eventsTopicName() + "-dead-letter";
        Topic dlq = new Topic(dlqName, TopicArgs.builder()
                .project(c.project())
                .name(dlqName)
                .messageRetentionDuration(EVENTS_RETENTION)
                .labels(Common.labels(c, "recordings"))
                .build(), Common.child(this));
        new Subscription(dlqName, SubscriptionArgs.builder()
                .project(c.project())
                .name(dlqName)
                .topic(dlq.id())
                .messageRetentionDuration(EVENTS_RETENTION)
                .expirationPolicy(neverExpire())
                .labels(Common.labels(c, "recordings"))
                .build(), Common.child(this));
        ServiceIdentity agent = new ServiceIdentity(prefix + "-pubsub-agent", ServiceIdentityArgs.builder()
                .project(c.project())
                .service("pubsub.googleapis.com")
                .build(), Common.child(this));
        Output<String> agentMember = agent.email().applyValue(Common::saMember);
        new TopicIAMMember(dlqName + "-agent-publisher", TopicIAMMemberArgs.builder()
                .project(c.project())
                .topic(dlq.name())
                .role("roles/pubsub.publisher")
                .member(agentMember)
                .build(), Common.child(this));

        c.recordings().subscribers().forEach((name, email) -> {
            String subName = c.eventsTopicName() + "-" + name;
            Subscription sub = new Subscription(subName, SubscriptionArgs.builder()
                    .project(c.project())
                    .name(subName)
                    .topic(events.id())
                    .ackDeadlineSeconds(EVENTS_ACK_DEADLINE_SECONDS)
                    .messageRetentionDuration(EVENTS_RETENTION)
                    // Unset, Pub/Sub deletes a subscription idle for 31 days: a paused consumer would lose it.
                    .expirationPolicy(neverExpire())
                    .retryPolicy(SubscriptionRetryPolicyArgs.builder().minimumBackoff("10s").maximumBackoff("600s").build())
                    .deadLetterPolicy(SubscriptionDeadLetterPolicyArgs.builder()
                            .deadLetterTopic(dlq.id())
                            .maxDeliveryAttempts(EVENTS_MAX_DELIVERY_ATTEMPTS)
                            .build())
                    .labels(Common.labels(c, "recordings"))
                    .build(), Common.child(this));
            new SubscriptionIAMMember(subName + "-agent-subscriber", SubscriptionIAMMemberArgs.builder()
                    .project(c.project())
                    .subscription(sub.name())
                    .role("roles/pubsub.subscriber")
                    .member(agentMember)
                    .build(), Common.child(this));
            new SubscriptionIAMMember(subName + "-consumer", SubscriptionIAMMemberArgs.builder()
                    .project(c.project())
                    .subscription(sub.name())
                    .role("roles/pubsub.subscriber")
                    .member(Common.saMember(email))
                    .build(), Common.child(this));
        });
    }

    private static SubscriptionExpirationPolicyArgs neverExpire() {
        return SubscriptionExpirationPolicyArgs.builder().ttl("").build();
    }

    /**
     * BucketObject content is a string; the node checks every file's sha256, so bytes that do not
     * survive a UTF-8 round trip must be refused here, not discovered at boot.
     */
    private static String utf8(String path, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("release file '" + path + "' is not UTF-8 text; release files must be text");
        }
    }
}
