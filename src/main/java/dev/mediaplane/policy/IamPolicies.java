package dev.mediaplane.policy;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** CIS section 1 (identity): no key files, no admin roles or impersonation at project level. */
final class IamPolicies {

    /** Checkov's reading of "admin": any role named *Admin/*admin, plus the basic editor and owner. */
    private static final Pattern ADMIN_ROLE = Pattern.compile(".*([Aa]dmin|editor|owner).*");

    private static final Set<String> IMPERSONATION = Set.of("roles/iam.serviceAccountUser",
            "roles/iam.serviceAccountTokenCreator");

    private static final Pattern DEFAULT_SA = Pattern.compile(
            "serviceAccount:([0-9]+-compute@developer|[a-z][a-z0-9-]*@appspot)\\.gserviceaccount\\.com");

    private IamPolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("iam-no-sa-keys", "No user-managed service account keys (gcp:serviceaccount/key:Key)", "1.4",
                        "-", "-", IamPolicies::noKeys),
                new Policy("iam-no-admin-roles-for-sa",
                        "No service account holds an admin, editor or owner role on the project", "1.5", "CKV_GCP_42",
                        "AVD-GCP-0007", IamPolicies::adminRoles),
                new Policy("iam-no-sa-impersonation-at-project",
                        "No project-level Service Account User or Token Creator grants", "1.6", "CKV_GCP_41",
                        "AVD-GCP-0011", IamPolicies::impersonation),
                new Policy("iam-no-default-sa-at-project", "No project role granted to a default service account", "-",
                        "CKV_GCP_46", "AVD-GCP-0006", IamPolicies::defaultSa));
    }

    private static void noKeys(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.SA_KEY).forEach(r -> out.fail(r, "serviceAccountId", r.inputs().get("serviceAccountId"),
                "a key file is a long-lived credential; nodes use their attached service account"));
    }

    /** One project-level grant: IAMMember has one, IAMBinding a list, IAMPolicy its policyData. */
    private interface Grant {
        void accept(PlannedResource r, String role, String path, String member);
    }

    private static void grants(Plan plan, Grant g) {
        plan.resources().stream()
                .filter(r -> Set.of(GcpTypes.PROJECT_IAM_MEMBER, GcpTypes.PROJECT_IAM_BINDING, GcpTypes.PROJECT_IAM_POLICY)
                        .contains(r.type()))
                .forEach(r -> Inputs.grants(r.inputs()).forEach(x -> g.accept(r, x.role(), x.path(), x.member())));
    }

    private static void adminRoles(Plan plan, PolicyContext ctx, Findings out) {
        grants(plan, (r, role, path, member) -> {
            if (member.startsWith("serviceAccount:") && ADMIN_ROLE.matcher(role).matches()) {
                out.fail(r, rolePath(path), role, "granted to " + member
                        + "; service accounts get narrow predefined roles only");
            }
        });
    }

    private static void impersonation(Plan plan, PolicyContext ctx, Findings out) {
        grants(plan, (r, role, path, member) -> {
            if (IMPERSONATION.contains(role)) {
                out.fail(r, rolePath(path), role, "granted to " + member
                        + " on the whole project; grant it on the one service account instead");
            }
        });
    }

    /** {@code role}, or {@code policyData.bindings[i].role} for a grant read from a policy. */
    private static String rolePath(String memberPath) {
        return memberPath.startsWith("policyData.") ? memberPath.substring(0, memberPath.lastIndexOf(".members")) + ".role"
                : "role";
    }

    private static void defaultSa(Plan plan, PolicyContext ctx, Findings out) {
        grants(plan, (r, role, path, member) -> {
            if (DEFAULT_SA.matcher(member).matches()) {
                out.fail(r, path, member, "default service accounts get no project roles from mediaplane");
            }
        });
    }
}
