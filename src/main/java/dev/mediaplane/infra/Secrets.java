package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.projects.ServiceIdentity;
import com.pulumi.gcp.projects.ServiceIdentityArgs;
import com.pulumi.gcp.pubsub.Topic;
import com.pulumi.gcp.pubsub.TopicArgs;
import com.pulumi.gcp.pubsub.TopicIAMMember;
import com.pulumi.gcp.pubsub.TopicIAMMemberArgs;
import com.pulumi.gcp.secretmanager.Secret;
import com.pulumi.gcp.secretmanager.SecretArgs;
import com.pulumi.gcp.secretmanager.SecretIamMember;
import com.pulumi.gcp.secretmanager.SecretIamMemberArgs;
import com.pulumi.gcp.secretmanager.SecretVersion;
import com.pulumi.gcp.secretmanager.SecretVersionArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationUserManagedArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationUserManagedReplicaArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretRotationArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretTopicArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.mediaplane.config.NodeSecret;
import dev.mediaplane.config.SecretValue;
import dev.mediaplane.config.StackConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The node's secrets in Secret Manager: one secret per {@link NodeSecret}, a version only when a
 * value was given (as a secret Output, so state holds it encrypted), and read access for the node
 * account on each secret (never project-wide).
 *
 * <p>Rotation: Secret Manager does not rotate anything itself; at {@code nextRotationTime} it
 * publishes SECRET_ROTATE to the secret's topics, and it refuses a rotation schedule on a secret
 * without topics. So the rotation topic exists whenever rotation is on, or notices are asked for.
 */
public final class Secrets extends Component {

    public static final String TYPE = "mediaplane:gcp:Secrets";

    /**
     * Rotation schedules are anchored here (a Monday, 03:00 UTC, low call volume). The next rotation
     * is the first {@code anchor + k * period} at least a day after {@code now}: the same value
     * for every plan within a period, and after a rotation Secret Manager's own next time has moved
     * by exactly one period, so the desired and the actual schedule stay equal and plans show no
     * diff. Using {@code now + period} instead would change every plan.
     */
    public static final Instant ROTATION_ANCHOR = Instant.parse("2026-01-05T03:00:00Z");

    /**
     * Inputs.
     *
     * @param config the stack; secret ids and rotation come from it
     * @param values secret values given; a secret without a value gets no version (set it later)
     * @param nodeServiceAccountEmail the account granted secretAccessor on each secret
     * @param now the clock for the rotation schedule (see {@link #ROTATION_ANCHOR})
     */
    public record Args(StackConfig config, Map<NodeSecret, SecretValue> values, Output<String> nodeServiceAccountEmail,
                       Instant now) {
        public Args {
            Objects.requireNonNull(config, "config");
            values = Map.copyOf(values);
            Objects.requireNonNull(nodeServiceAccountEmail, "nodeServiceAccountEmail");
            Objects.requireNonNull(now, "now");
        }
    }

    /** Secret ids ({@code projects/P/secrets/<prefix>-<suffix>}) by config key. */
    public final Output<Map<String, String>> secretIds;
    /** Rotation topic id, or empty when there is none. */
    public final Output<String> rotationTopic;

    public Secrets(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();
        Map<String, String> labels = Common.labels(c, "secrets");
        Output<String> nodeMember = args.nodeServiceAccountEmail().applyValue(Common::saMember);

        int rotationDays = c.secrets().rotationDays();
        boolean topicWanted = rotationDays > 0 || c.secrets().rotationNotices();
        Topic topic = null;
        TopicIAMMember agentPublisher = null;
        if (topicWanted) {
            topic = new Topic(prefix + "-secret-rotation", TopicArgs.builder()
                    .project(c.project())
                    .name(prefix + "-secret-rotation")
                    .labels(labels)
                    .build(), Common.child(this));
            // The Secret Manager service agent is created lazily by Google; ServiceIdentity makes it
            // exist now and tells us its email (it embeds the project number).
            var agent = new ServiceIdentity(prefix + "-secretmanager-agent", ServiceIdentityArgs.builder()
                    .project(c.project())
                    .service("secretmanager.googleapis.com")
                    .build(), Common.child(this));
            agentPublisher = new TopicIAMMember(prefix + "-secret-rotation-publisher", TopicIAMMemberArgs.builder()
                    .project(c.project())
                    .topic(topic.name())
                    .role("roles/pubsub.publisher")
                    .member(agent.email().applyValue(Common::saMember))
                    .build(), Common.child(this));
        }

        Map<String, Output<String>> ids = new TreeMap<>();
        for (NodeSecret s : NodeSecret.values()) {
            String secretId = prefix + "-" + s.secretSuffix();
            var secretArgs = SecretArgs.builder()
                    .project(c.project())
                    .secretId(secretId)
                    .labels(labels)
                    .replication(SecretReplicationArgs.builder()
                            .userManaged(SecretReplicationUserManagedArgs.builder()
                                    .replicas(SecretReplicationUserManagedReplicaArgs.builder().location(c.region()).build())
                                    .build())
                            .build());
            var secretOptions = topic != null ? Common.childBuilder(this, agentPublisher) : Common.childBuilder(this);
            if (topic != null) {
                secretArgs.topics(topic.id().applyValue(id -> List.of(SecretTopicArgs.builder().name(id).build())));
                // Secret Manager checks that its agent may publish when the topic is attached (dependsOn above).
            }
            if (rotationDays > 0) {
                Duration period = Duration.ofDays(rotationDays);
                secretArgs.rotation(SecretRotationArgs.builder()
                        .rotationPeriod(period.toSeconds() + "s")
                        .nextRotationTime(nextRotation(args.now(), period).toString())
                        .build());
            }
            Secret secret = new Secret(secretId, secretArgs.build(), secretOptions.build());
            ids.put(s.configKey(), secret.id());

            SecretValue value = args.values().get(s);
            if (value != null) {
                new SecretVersion(secretId + "-value", SecretVersionArgs.builder()
                        .secret(secret.id())
                        .secretData(value.output())
                        .build(), Common.child(this));
            }
            new SecretIamMember(secretId + "-node-accessor", SecretIamMemberArgs.builder()
                    .project(c.project())
                    .secretId(secret.id())
                    .role("roles/secretmanager.secretAccessor")
                    .member(nodeMember)
                    .build(), Common.child(this));
        }

        this.secretIds = Output.all(List.copyOf(ids.values())).applyValue(list -> {
            Map<String, String> out = new TreeMap<>();
            int i = 0;
            for (String key : ids.keySet()) {
                out.put(key, list.get(i++));
            }
            return out;
        });
        this.rotationTopic = topic == null ? Output.of("") : topic.id();
        registerOutputs(Map.of("secretIds", secretIds, "rotationTopic", rotationTopic));
    }

    /** First anchor-aligned rotation at least one day after {@code now}. */
    static Instant nextRotation(Instant now, Duration period) {
        Instant earliest = now.plus(Duration.ofDays(1));
        long seconds = Duration.between(ROTATION_ANCHOR, earliest).toSeconds();
        long periods = seconds <= 0 ? 0 : (seconds + period.toSeconds() - 1) / period.toSeconds();
        return ROTATION_ANCHOR.plus(period.multipliedBy(periods));
    }

}
