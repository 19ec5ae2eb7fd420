package dev.mediaplane.policy;

import dev.mediaplane.plan.Plan;
import java.util.List;

/**
 * Secrets stay in Secret Manager: a secret version's data is a Pulumi secret (encrypted in
 * state), and no other input, above all instance metadata and bucket objects, carries a secret
 * or key material.
 */
final class SecretPolicies {

    private SecretPolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("secret-version-data-is-secret",
                        "Secret Manager versions take their data as a Pulumi secret", "-", "-", "-",
                        SecretPolicies::versionData),
                new Policy("no-secret-outside-secret-manager",
                        "No input outside Secret Manager versions holds a secret, a PEM private key or a credential "
                                + "(metadata, startup scripts, bucket objects)", "-", "-", "-",
                        SecretPolicies::noSecretElsewhere));
    }

    private static void versionData(Plan plan, PolicyContext ctx, Findings out) {
        plan.ofType(GcpTypes.SECRET_VERSION).forEach(r -> {
            Object v = r.inputs().get("secretData");
            // Unknown is fine: a value computed at apply time still arrives as an Output.
            if (v != null && !Plan.SECRET.equals(v) && !Plan.UNKNOWN.equals(v)) {
                // Never show the value: it is the secret in clear.
                out.failDescribed(r, "secretData", "<plain value, " + String.valueOf(v).length() + " chars>",
                        "would be stored in Pulumi state in clear; pass it as a secret Output");
            }
        });
    }

    private static void noSecretElsewhere(Plan plan, PolicyContext ctx, Findings out) {
        plan.resources().stream().filter(r -> !r.type().equals(GcpTypes.SECRET_VERSION)).forEach(r ->
                Inputs.leaves("", r.inputs(), (path, v) -> {
                    if (v instanceof String s && Inputs.secretLike(s)) {
                        out.fail(r, path, s, where(path) + "; secrets are read by the node from Secret Manager at boot");
                    }
                }));
    }

    private static String where(String path) {
        if (path.startsWith("metadata")) {
            return "instance metadata is readable by every process on the VM and by project viewers";
        }
        return "inputs outside Secret Manager are stored and shown in clear";
    }
}
