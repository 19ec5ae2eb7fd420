package dev.mediaplane.policy;

import static dev.mediaplane.policy.Inputs.at;

import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlannedResource;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** CIS section 4 (virtual machines) over instance templates and instances. */
final class InstancePolicies {

    /** {@code default} is the provider's alias for the project's default compute SA. */
    private static final Pattern DEFAULT_SA = Pattern.compile("default|[0-9]+-compute@developer\\.gserviceaccount\\.com");

    private static final java.util.Set<String> FULL_ACCESS = java.util.Set.of(
            "cloud-platform", "https://www.googleapis.com/auth/cloud-platform");

    private InstancePolicies() {}

    static List<Policy> all() {
        return List.of(
                new Policy("gce-no-default-service-account",
                        "VMs do not run as the default compute service account", "4.1", "CKV_GCP_30", "AVD-GCP-0044",
                        InstancePolicies::defaultServiceAccount),
                new Policy("gce-no-default-sa-full-access",
                        "VMs do not give the default service account full access to all Cloud APIs", "4.2", "CKV_GCP_31",
                        "AVD-GCP-0044", InstancePolicies::defaultServiceAccountFullAccess),
                new Policy("gce-block-project-ssh-keys",
                        "VMs block project-wide SSH keys (metadata block-project-ssh-keys=TRUE)", "4.3", "CKV_GCP_32",
                        "AVD-GCP-0030", metadataMustBe("block-project-ssh-keys", true,
                                "project-wide SSH keys would open every node to every project key holder")),
                new Policy("gce-os-login",
                        "VMs enable OS Login themselves (metadata enable-oslogin=TRUE)", "4.4", "CKV_GCP_34", "AVD-GCP-0036",
                        metadataMustBe("enable-oslogin", true,
                                "without OS Login, SSH access bypasses IAM; mediaplane does not own project metadata, "
                                        + "so each VM sets it")),
                new Policy("gce-no-serial-port",
                        "VMs do not enable the interactive serial console", "4.5", "CKV_GCP_35", "AVD-GCP-0032",
                        InstancePolicies::serialPort),
                new Policy("gce-no-ip-forwarding",
                        "VMs do not forward IP packets", "4.6", "CKV_GCP_36", "AVD-GCP-0043",
                        InstancePolicies::ipForwarding),
                new Policy("gce-shielded-vm",
                        "VMs are Shielded VMs: secure boot, vTPM and integrity monitoring on", "4.8", "CKV_GCP_39",
                        "AVD-GCP-0067", InstancePolicies::shieldedVm));
    }

    static Stream<PlannedResource> vms(Plan plan) {
        return plan.resources().stream().filter(r -> GcpTypes.VM.contains(r.type()));
    }

    private static boolean isDefaultSa(Object email) {
        return email instanceof String s && DEFAULT_SA.matcher(s).matches();
    }

    // Without a serviceAccount the API attaches none (only the console defaults to the default
    // SA), so absence passes here as it does in Checkov.
    private static void defaultServiceAccount(Plan plan, PolicyContext ctx, Findings out) {
        vms(plan).forEach(r -> {
            Object email = at(r.inputs(), "serviceAccount", "email");
            if (isDefaultSa(email)) {
                out.fail(r, "serviceAccount.email", email,
                        "the default compute SA holds Editor on the project; use the stack's node service account");
            }
        });
    }

    private static void defaultServiceAccountFullAccess(Plan plan, PolicyContext ctx, Findings out) {
        vms(plan).forEach(r -> {
            if (!isDefaultSa(at(r.inputs(), "serviceAccount", "email"))) {
                return;
            }
            List<?> scopes = Inputs.list(at(r.inputs(), "serviceAccount", "scopes"));
            for (int i = 0; i < scopes.size(); i++) {
                if (FULL_ACCESS.contains(String.valueOf(scopes.get(i)))) {
                    out.fail(r, "serviceAccount.scopes[" + i + "]", scopes.get(i),
                            "the default SA with the cloud-platform scope can call every API the project allows");
                }
            }
        });
    }

    private static Policy.Rule metadataMustBe(String key, boolean expected, String why) {
        return (plan, ctx, out) -> vms(plan).forEach(r -> {
            Object v = at(r.inputs(), "metadata", key);
            if (v == null || Inputs.truthy(v) != expected) {
                out.fail(r, "metadata." + key, v, why + "; must be " + (expected ? "TRUE" : "FALSE"));
            }
        });
    }

    private static void serialPort(Plan plan, PolicyContext ctx, Findings out) {
        vms(plan).forEach(r -> {
            Object v = at(r.inputs(), "metadata", "serial-port-enable");
            if (Inputs.truthy(v)) {
                out.fail(r, "metadata.serial-port-enable", v,
                        "the serial console is reachable without firewall rules; must be FALSE or unset");
            }
        });
    }

    private static void ipForwarding(Plan plan, PolicyContext ctx, Findings out) {
        vms(plan).forEach(r -> {
            Object v = r.inputs().get("canIpForward");
            if (Inputs.truthy(v)) {
                out.fail(r, "canIpForward", v, "a media node never routes packets for others; must be false or unset");
            }
        });
    }

    // vTPM and integrity monitoring default to on in the API; secure boot defaults to off, so
    // only secure boot must be set explicitly.
    private static void shieldedVm(Plan plan, PolicyContext ctx, Findings out) {
        vms(plan).forEach(r -> {
            Object cfg = r.inputs().get("shieldedInstanceConfig");
            if (!(cfg instanceof Map<?, ?>)) {
                out.fail(r, "shieldedInstanceConfig", cfg, "must be set with enableSecureBoot: true");
                return;
            }
            Map<String, Object> m = Inputs.map(cfg);
            if (!Inputs.truthy(m.get("enableSecureBoot"))) {
                out.fail(r, "shieldedInstanceConfig.enableSecureBoot", m.get("enableSecureBoot"),
                        "secure boot defaults to off; must be true");
            }
            for (String k : List.of("enableVtpm", "enableIntegrityMonitoring")) {
                if (Inputs.explicitlyFalse(m.get(k))) {
                    out.fail(r, "shieldedInstanceConfig." + k, m.get(k), "must be true or unset (default true)");
                }
            }
        });
    }
}
