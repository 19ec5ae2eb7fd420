package dev.mediaplane.policy;

import dev.mediaplane.plan.Plan;
import java.util.List;
import java.util.Set;

/** CIS section 5 (storage): buckets never public, uniform bucket-level access. */
final class StoragePolicies {

    private static final Set<String> PUBLIC = Set.of("allUsers", "allAuthenticatedUsers");

    private StoragePolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("gcs-no-public-members", "No bucket or object grant to allUsers or allAuthenticatedUsers",
                        "5.1", "CKV_GCP_28", "AVD-GCP-0001", StoragePolicies::noPublicMembers),
                new Policy("gcs-public-access-prevention", "Every bucket enforces public access prevention", "5.1",
                        "CKV_GCP_114", "-", StoragePolicies::publicAccessPrevention),
                new Policy("gcs-uniform-access", "Every bucket has uniform bucket-level access", "5.2", "CKV_GCP_29",
                        "AVD-GCP-0002", StoragePolicies::uniformAccess));
    }

    /** allUsers, allAuthenticatedUsers, and the ACL spellings allUsers / allAuthenticatedUsers. */
    private static boolean isPublic(Object member) {
        return member != null && PUBLIC.contains(String.valueOf(member).strip());
    }

    private static void noPublicMembers(Plan plan, PolicyContext ctx, Findings out) {
        String why = "makes bucket data readable outside the organisation";
        plan.resources().forEach(r -> {
            switch (r.type()) {
                case GcpTypes.BUCKET_IAM_MEMBER, GcpTypes.BUCKET_IAM_BINDING, GcpTypes.BUCKET_IAM_POLICY ->
                        Inputs.grants(r.inputs()).stream().filter(g -> isPublic(g.member()))
                                .forEach(g -> out.fail(r, g.path(), g.member(), why));
                case GcpTypes.BUCKET_ACL, GcpTypes.DEFAULT_OBJECT_ACL, GcpTypes.OBJECT_ACL -> {
                    if (isPublic(r.inputs().get("entity"))) {
                        out.fail(r, "entity", r.inputs().get("entity"), why);
                    }
                }
                default -> { }
            }
        });
    }

    private static void publicAccessPrevention(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.BUCKET).forEach(r -> {
            Object v = r.inputs().get("publicAccessPrevention");
            if (!"enforced".equals(v)) {
                out.fail(r, "publicAccessPrevention", v, "must be 'enforced' so no later grant can make the bucket public");
            }
        });
    }

    private static void uniformAccess(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.BUCKET).forEach(r -> {
            Object v = r.inputs().get("uniformBucketLevelAccess");
            if (!Boolean.TRUE.equals(v)) {
                out.fail(r, "uniformBucketLevelAccess", v, "must be true: IAM only, no per-object ACLs");
            }
        });
    }
}
