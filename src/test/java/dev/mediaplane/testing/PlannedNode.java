package dev.mediaplane.testing;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfigFixtures;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.plan.PlannedResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's cloud as the plan declares it: {@link #plan} runs the program under the plan runner,
 * {@link #start} sets up, on a {@link GcpStandIn}, every bucket, topic, subscription, secret, custom
 * role and IAM binding that plan declares for the services the stand-in implements. The stand-in
 * and the program cannot disagree about what the node may do: a role the plan changes changes
 * the tests' cloud with it.
 */
public final class PlannedNode {
    private PlannedNode() {}

    /** What a test needs to know about the planned cloud it runs against. */
    public record Cloud(GcpStandIn gcp, String recordingsBucket, String releasesBucket, String eventsTopic,
            Map<String, String> subscriptionConsumers) {}

    private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();

    /**
     * The committed stack {@code Pulumi.<stack>.yaml} with {@code KEY: VALUE} lines set in its config
     * block (added, or replacing the file's value: e.g. event subscribers, a fleet size), planned once per JVM.
     */
    public static Plan plan(String stack, Map<String, String> extraConfig) {
        String key = stack + extraConfig;
        return PLANS.computeIfAbsent(key, k -> {
            String text;
            try {
                text = Files.readString(Path.of("Pulumi." + stack + ".yaml"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (var e : new java.util.TreeMap<>(extraConfig).entrySet()) {
                text = StackConfigFixtures.withValue(text, e.getKey(), e.getValue());
            }
            LoadedConfig config = StackFileLoader.parse(stack, "Pulumi." + stack + ".yaml + " + extraConfig.keySet(), text);
            return PlanRunner.run(config);
        });
    }

    /** A new stand-in for the plan's project, set up with what the plan declares, the node account attached. */
    public static Cloud start(Plan plan) throws IOException {
        String project = null;
        String node = null;
        for (PlannedResource r : plan.resources()) {
            if (r.type().equals("gcp:serviceaccount/account:Account") && str(r, "accountId").endsWith("-node")) {
                project = str(r, "project");
                node = str(r, "accountId") + "@" + project + ".iam.gserviceaccount.com";
            }
        }
        if (node == null) {
            throw new AssertionError("the plan declares no node service account");
        }
        return apply(new GcpStandIn(project, 123456789012L), node, plan);
    }

    private static Cloud apply(GcpStandIn gcp, String nodeEmail, Plan plan) {
        String recordings = null;
        String releases = null;
        String events = null;
        Map<String, String> consumers = new LinkedHashMap<>();
        List<PlannedResource> grants = new ArrayList<>();
        for (PlannedResource r : plan.resources()) {
            switch (r.type()) {
                case "gcp:projects/iAMCustomRole:IAMCustomRole" -> {
                    @SuppressWarnings("unchecked")
                    List<String> permissions = (List<String>) r.inputs().get("permissions");
                    gcp.iam.defineRole("projects/" + str(r, "project") + "/roles/" + str(r, "roleId"), Set.copyOf(permissions));
                }
                case "gcp:storage/bucket:Bucket" -> {
                    String name = str(r, "name");
                    gcp.createBucket(name);
                    if (name.endsWith("-recordings")) {
                        recordings = name;
                    } else if (name.endsWith("-releases")) {
                        releases = name;
                    }
                }
                case "gcp:pubsub/topic:Topic" -> {
                    String name = str(r, "name");
                    gcp.createTopic(name, r.inputs().containsKey("messageRetentionDuration"));
                    if (name.endsWith("-recording-events")) {
                        events = name;
                    }
                }
                case "gcp:secretmanager/secret:Secret" -> gcp.createSecret(str(r, "secretId"));
                default -> grants.add(r);
            }
        }
        // Subscriptions after every topic they may name (a dead-letter topic comes after its source).
        for (PlannedResource r : plan.ofType("gcp:pubsub/subscription:Subscription").toList()) {
            gcp.createSubscription(str(r, "name"), last(str(r, "topic")));
        }
        for (PlannedResource r : grants) {
            if (!r.type().matches("gcp:[a-z]+/[A-Za-z]+(IAMMember|IamMember):.*")) {
                continue;
            }
            String role = str(r, "role");
            String member = r.inputs().get("member") instanceof String m ? m : null;
            switch (r.type()) {
                case "gcp:storage/bucketIAMMember:BucketIAMMember" -> {
                    Object condition = r.inputs().get("condition");
                    String expression = condition instanceof Map<?, ?> c ? (String) c.get("expression") : null;
                    gcp.iam.grant(GcpStandIn.bucketResource(str(r, "bucket")), member, role, expression);
                }
                case "gcp:pubsub/topicIAMMember:TopicIAMMember" -> gcp.iam.grant(gcp.topicResource(last(str(r, "topic"))), member, role);
                case "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember" -> {
                    String sub = last(str(r, "subscription"));
                    gcp.iam.grant(gcp.subscriptionResource(sub), member, role);
                    if (role.equals("roles/pubsub.subscriber") && member.startsWith("serviceAccount:")
                            && !member.contains("@gcp-sa-pubsub.")) {
                        consumers.put(sub, member.substring("serviceAccount:".length()));
                    }
                }
                case "gcp:secretmanager/secretIamMember:SecretIamMember" ->
                        gcp.iam.grant(gcp.secretResource(last(str(r, "secretId"))), member, role);
                case "gcp:projects/iAMMember:IAMMember" -> {
                    // Project roles for services the stand-in does not implement (logging, monitoring) grant nothing here.
                    if (Iam.PREDEFINED.containsKey(role) || role.startsWith("projects/")) {
                        gcp.iam.grant("projects/" + str(r, "project"), member, role);
                    }
                }
                default -> { }
            }
        }
        gcp.instanceServiceAccount(nodeEmail);
        return new Cloud(gcp, recordings, releases, events, Map.copyOf(consumers));
    }

    private static String str(PlannedResource r, String input) {
        Object v = r.inputs().get(input);
        if (!(v instanceof String s) || s.equals(Plan.UNKNOWN)) {
            throw new AssertionError(r.type() + " " + r.name() + ": input " + input + " is not known at plan time: " + v);
        }
        return s;
    }

    /** projects/P/topics/T -> T; a bare id stays as it is. */
    private static String last(String idOrName) {
        return idOrName.substring(idOrName.lastIndexOf('/') + 1);
    }
}
