package dev.mediaplane.diff;

import java.util.Map;
import java.util.Set;

/**
 * Inputs GCP cannot change in place, per type the program declares: a change to one of them makes
 * {@code pulumi up} replace the resource (create the new one, then delete the old one).
 *
 * <p>Source for every row: pulumi-gcp 7.x is generated from terraform-provider-google 5.x, whose
 * resource schemas mark these fields {@code ForceNew} (pulumi-gcp's schema turns them into
 * {@code willReplaceOnChanges}); the provider's resource pages say "Changing this forces a new
 * resource to be created" for each. {@code *} means every input: instance templates are immutable
 * in GCE, IAM member bindings, service identities and bucket objects have no update call.
 * A type missing here is assumed updatable in place; a test keeps every type of the dev and prod
 * plans in this table so a new resource type cannot slip through unclassified.
 */
public final class ForceNew {

    /** Stands for "every input". */
    public static final String ALL = "*";

    /** Type token -> top-level input names whose change forces a replacement. */
    static final Map<String, Set<String>> FIELDS = Map.ofEntries(
            // google_compute_address: every argument but labels is ForceNew.
            Map.entry("gcp:compute/address:Address", Set.of("name", "project", "region", "address", "addressType",
                    "description", "networkTier", "purpose", "subnetwork", "network", "prefixLength", "ipVersion")),
            // google_compute_firewall: name, network, project, direction.
            Map.entry("gcp:compute/firewall:Firewall", Set.of("name", "network", "project", "direction")),
            // google_compute_forwarding_rule: everything except labels, target, allowGlobalAccess.
            Map.entry("gcp:compute/forwardingRule:ForwardingRule", Set.of("name", "project", "region", "ipAddress",
                    "ipProtocol", "ports", "allPorts", "portRange", "backendService", "loadBalancingScheme", "network",
                    "subnetwork", "networkTier", "description", "isMirroringCollector", "serviceLabel")),
            // google_compute_health_check: name, project.
            Map.entry("gcp:compute/healthCheck:HealthCheck", Set.of("name", "project")),
            // google_compute_instance_template: immutable in GCE, every argument is ForceNew.
            Map.entry("gcp:compute/instanceTemplate:InstanceTemplate", Set.of(ALL)),
            // google_compute_network: name, project, auto_create_subnetworks, description.
            Map.entry("gcp:compute/network:Network", Set.of("name", "project", "autoCreateSubnetworks", "description")),
            // google_compute_region_autoscaler: name, project, region, target.
            Map.entry("gcp:compute/regionAutoscaler:RegionAutoscaler", Set.of("name", "project", "region", "target")),
            // google_compute_region_backend_service: name, project, region.
            Map.entry("gcp:compute/regionBackendService:RegionBackendService", Set.of("name", "project", "region")),
            // google_compute_region_instance_group_manager: name, project, region, base_instance_name,
            // distribution_policy_zones.
            Map.entry("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", Set.of("name", "project",
                    "region", "baseInstanceName", "distributionPolicyZones")),
            // google_compute_region_per_instance_config: name, project, region, region_instance_group_manager.
            Map.entry("gcp:compute/regionPerInstanceConfig:RegionPerInstanceConfig", Set.of("name", "project", "region",
                    "regionInstanceGroupManager")),
            // google_compute_subnetwork: name, network, project, region, description.
            Map.entry("gcp:compute/subnetwork:Subnetwork", Set.of("name", "network", "project", "region", "description")),
            // google_logging_metric: project.
            Map.entry("gcp:logging/metric:Metric", Set.of("project")),
            // google_monitoring_alert_policy: project.
            Map.entry("gcp:monitoring/alertPolicy:AlertPolicy", Set.of("project")),
            Map.entry("gcp:monitoring/dashboard:Dashboard", Set.of("project")),
            // google_project_iam_custom_role: role_id, project.
            Map.entry("gcp:projects/iAMCustomRole:IAMCustomRole", Set.of("roleId", "project")),
            // google_project_iam_member: every argument (a binding has no update).
            Map.entry("gcp:projects/iAMMember:IAMMember", Set.of(ALL)),
            // google_project_service: service, project.
            Map.entry("gcp:projects/service:Service", Set.of("service", "project")),
            // google_project_service_identity: every argument.
            Map.entry("gcp:projects/serviceIdentity:ServiceIdentity", Set.of(ALL)),
            // google_pubsub_subscription: name, topic, project.
            Map.entry("gcp:pubsub/subscription:Subscription", Set.of("name", "topic", "project")),
            // google_pubsub_subscription_iam_member: every argument.
            Map.entry("gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", Set.of(ALL)),
            // google_pubsub_topic: name, project.
            Map.entry("gcp:pubsub/topic:Topic", Set.of("name", "project")),
            // google_pubsub_topic_iam_member: every argument.
            Map.entry("gcp:pubsub/topicIAMMember:TopicIAMMember", Set.of(ALL)),
            // google_secret_manager_secret: secret_id, project, replication.
            Map.entry("gcp:secretmanager/secret:Secret", Set.of("secretId", "project", "replication")),
            // google_secret_manager_secret_iam_member: every argument.
            Map.entry("gcp:secretmanager/secretIamMember:SecretIamMember", Set.of(ALL)),
            // google_secret_manager_secret_version: secret, secret_data (a new value is a new version).
            Map.entry("gcp:secretmanager/secretVersion:SecretVersion", Set.of("secret", "secretData")),
            // google_service_account: account_id, project.
            Map.entry("gcp:serviceaccount/account:Account", Set.of("accountId", "project")),
            // google_storage_bucket: name, project, location.
            Map.entry("gcp:storage/bucket:Bucket", Set.of("name", "project", "location")),
            // google_storage_bucket_iam_member: every argument.
            Map.entry("gcp:storage/bucketIAMMember:BucketIAMMember", Set.of(ALL)),
            // google_storage_bucket_object: objects are immutable; every argument but metadata is ForceNew.
            Map.entry("gcp:storage/bucketObject:BucketObject", Set.of(ALL)));

    private ForceNew() {}

    /** True when changing the input at {@code path} (dotted, top-level key first) replaces a {@code type}. */
    public static boolean replaces(String type, String path) {
        Set<String> fields = FIELDS.get(type);
        if (fields == null) {
            return false;
        }
        if (fields.contains(ALL)) {
            return true;
        }
        return fields.contains(topLevel(path));
    }

    /** Whether the table classifies {@code type} (components are never replaced themselves). */
    public static boolean knows(String type) {
        return FIELDS.containsKey(type);
    }

    static String topLevel(String path) {
        int cut = path.length();
        for (int i = 0; i < path.length(); i++) {
            char ch = path.charAt(i);
            if (ch == '.' || ch == '[') {
                cut = i;
                break;
            }
        }
        return path.substring(0, cut);
    }
}
