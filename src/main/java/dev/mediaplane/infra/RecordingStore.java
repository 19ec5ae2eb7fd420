package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.pubsub.Topic;
import com.pulumi.gcp.pubsub.TopicArgs;
import com.pulumi.gcp.pubsub.TopicIAMMember;
import com.pulumi.gcp.pubsub.TopicIAMMemberArgs;
import com.pulumi.gcp.storage.Bucket;
import com.pulumi.gcp.storage.BucketArgs;
import com.pulumi.gcp.storage.BucketIAMMember;
import com.pulumi.gcp.storage.BucketIAMMemberArgs;
import com.pulumi.gcp.storage.BucketObject;
import com.pulumi.gcp.storage.BucketObjectArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleActionArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleArgs;
import com.pulumi.gcp.storage.inputs.BucketLifecycleRuleConditionArgs;
import com.pulumi.gcp.storage.inputs.BucketRetentionPolicyArgs;
import com.pulumi.gcp.storage.inputs.BucketVersioningArgs;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.Bundle;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Where recordings go and where releases come from: the recordings bucket (the node may create
 * objects, not read, list or delete them), the releases bucket with the current release's files
 * (the node may read, nothing more), and the evidence events topic the node publishes to.
 *
 * <p>Release objects are immutable ({@code releases/<hash>/...}) and kept on delete: a stable
 * release rendered by an older program run is no longer declared by a newer one, yet its nodes
 * still boot from it. Pulumi forgets them; GCS keeps them.
 */
public final class RecordingStore extends ComponentResource {

    public static final String TYPE = "mediaplane:gcp:RecordingStore";

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
        Common.inherit(this, options);
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
        new BucketIAMMember(prefix + "-recordings-node-creator", BucketIAMMemberArgs.builder()
                .bucket(recordings.name())
                .role("roles/storage.objectCreator")
                .member(nodeMember)
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
        bundle.files().forEach((path, bytes) -> new BucketObject(logicalPrefix + path, BucketObjectArgs.builder()
                .bucket(releases.name())
                .name(objectPrefix + path)
                .content(utf8(path, bytes))
                .build(), keep));
        new BucketObject(logicalPrefix + "MANIFEST.sha256", BucketObjectArgs.builder()
                .bucket(releases.name())
                .name(objectPrefix + "MANIFEST.sha256")
                .content(bundle.manifest())
                .contentType("text/plain; charset=utf-8")
                .build(), keep);

        Topic events = new Topic(c.eventsTopicName(), TopicArgs.builder()
                .project(c.project())
                .name(c.eventsTopicName())
                .labels(Common.labels(c, "recordings"))
                .build(), Common.child(this));
        new TopicIAMMember(prefix + "-recording-events-node-publisher", TopicIAMMemberArgs.builder()
                .project(c.project())
                .topic(events.name())
                .role("roles/pubsub.publisher")
                .member(nodeMember)
                .build(), Common.child(this));

        this.recordingsBucket = recordings.name();
        this.releasesBucket = releases.name();
        this.recordingEventsTopic = events.id();
        registerOutputs(Map.of(
                "recordingsBucket", recordingsBucket,
                "releasesBucket", releasesBucket,
                "recordingEventsTopic", recordingEventsTopic));
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
