package dev.mediaplane.policy;

import static dev.mediaplane.plan.PlanFixtures.FIREWALL;
import static dev.mediaplane.plan.PlanFixtures.add;
import static dev.mediaplane.plan.PlanFixtures.compliant;
import static dev.mediaplane.plan.PlanFixtures.edit;
import static dev.mediaplane.plan.PlanFixtures.res;
import static dev.mediaplane.plan.PlanFixtures.sub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyEngineTest {

    private static final StackConfig CONFIG = PlanFixtures.config().config();
    private static final StackConfig NO_SSH = StackFileLoader.parse("test", "no-ssh",
            PlanFixtures.STACK_YAML.replace("mediaplane:fleetSsh: true", "mediaplane:fleetSsh: false")).config();
    private static final String TEMPLATE = "mp-test-node-template";
    private static final String DEFAULT_SA = "123456789012-compute@developer.gserviceaccount.com";

    /** One violating plan per case: the policy expected to fail, on which resource and input. */
    static Stream<Arguments> violations() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(c("gce-no-default-service-account", TEMPLATE, "serviceAccount.email",
                p -> edit(p, TEMPLATE, in -> sub(in, "serviceAccount").put("email", DEFAULT_SA))));
        cases.add(c("gce-no-default-service-account", TEMPLATE, "serviceAccount.email",
                p -> edit(p, TEMPLATE, in -> sub(in, "serviceAccount").put("email", "default"))));
        cases.add(c("gce-no-default-sa-full-access", TEMPLATE, "serviceAccount.scopes[0]",
                p -> edit(p, TEMPLATE, in -> sub(in, "serviceAccount").put("email", DEFAULT_SA))));
        cases.add(c("gce-block-project-ssh-keys", TEMPLATE, "metadata.block-project-ssh-keys",
                p -> edit(p, TEMPLATE, in -> sub(in, "metadata").remove("block-project-ssh-keys"))));
        cases.add(c("gce-os-login", TEMPLATE, "metadata.enable-oslogin",
                p -> edit(p, TEMPLATE, in -> sub(in, "metadata").put("enable-oslogin", "FALSE"))));
        cases.add(c("gce-no-serial-port", TEMPLATE, "metadata.serial-port-enable",
                p -> edit(p, TEMPLATE, in -> sub(in, "metadata").put("serial-port-enable", "true"))));
        cases.add(c("gce-no-ip-forwarding", TEMPLATE, "canIpForward",
                p -> edit(p, TEMPLATE, in -> in.put("canIpForward", true))));
        cases.add(c("gce-shielded-vm", TEMPLATE, "shieldedInstanceConfig.enableSecureBoot",
                p -> edit(p, TEMPLATE, in -> sub(in, "shieldedInstanceConfig").put("enableSecureBoot", false))));
        cases.add(c("gce-shielded-vm", TEMPLATE, "shieldedInstanceConfig.enableVtpm",
                p -> edit(p, TEMPLATE, in -> sub(in, "shieldedInstanceConfig").put("enableVtpm", false))));
        cases.add(c("gce-shielded-vm", TEMPLATE, "shieldedInstanceConfig",
                p -> edit(p, TEMPLATE, in -> in.remove("shieldedInstanceConfig"))));
        cases.add(c("fw-ssh-iap-only", "mp-test-iap-ssh", "sourceRanges[0]",
                p -> edit(p, "mp-test-iap-ssh", in -> in.put("sourceRanges", List.of("203.0.113.0/24")))));
        // A rule without ports opens every port, 22 included.
        cases.add(c("fw-ssh-iap-only", "mp-test-health", "sourceRanges[0]",
                p -> edit(p, "mp-test-health", in -> in.put("allows", List.of(Map.of("protocol", "tcp"))))));
        cases.add(c("fw-ssh-iap-only", "mp-test-iap-ssh", "sourceRanges",
                p -> edit(p, "mp-test-iap-ssh", in -> in.remove("sourceRanges"))));
        cases.add(c("fw-rdp-iap-only", "mp-test-rdp", "sourceRanges[0]",
                p -> add(p, res(FIREWALL, "mp-test-rdp", null, Map.of("sourceRanges", List.of("0.0.0.0/0"),
                        "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("3000-4000"))))))));
        cases.add(c("fw-ssh-only-when-enabled", "mp-test-iap-ssh", "allows", p -> p));
        cases.add(c("fw-no-world-on-esl-ssh", "mp-test-esl", "sourceRanges[1]",
                p -> edit(p, "mp-test-esl", in -> in.put("sourceRanges", List.of("10.50.0.0/24", "0.0.0.0/0")))));
        cases.add(c("fw-no-world-on-esl-ssh", "mp-test-iap-ssh", "sourceRanges[0]",
                p -> edit(p, "mp-test-iap-ssh", in -> in.put("sourceRanges", List.of("0.0.0.0/0")))));
        cases.add(c("fw-esl-controllers-only", "mp-test-esl", "sourceRanges[0]",
                p -> edit(p, "mp-test-esl", in -> in.put("sourceRanges", List.of("10.60.0.0/24")))));
        cases.add(c("fw-esl-controllers-only", "mp-test-esl", "sourceTags",
                p -> edit(p, "mp-test-esl", in -> {
                    in.remove("sourceRanges");
                    in.put("sourceTags", List.of("anything"));
                })));
        cases.add(c("fw-esl-controllers-only", "mp-test-any-tcp", "sourceRanges[0]",
                p -> add(p, res(FIREWALL, "mp-test-any-tcp", null, Map.of("sourceRanges", List.of("10.42.0.0/24"),
                        "allows", List.of(Map.of("protocol", "all")))))));
        cases.add(c("vpc-flow-logs", "mp-test-subnet", "logConfig",
                p -> edit(p, "mp-test-subnet", in -> in.remove("logConfig"))));
        cases.add(c("iam-no-sa-keys", "mp-test-node-key", "serviceAccountId",
                p -> add(p, res("gcp:serviceaccount/key:Key", "mp-test-node-key", null,
                        Map.of("serviceAccountId", "mp-test-node")))));
        cases.add(c("iam-no-admin-roles-for-sa", "mp-test-node-log-writer", "role",
                p -> edit(p, "mp-test-node-log-writer", in -> in.put("role", "roles/editor"))));
        cases.add(c("iam-no-admin-roles-for-sa", "mp-test-node-binding", "role",
                p -> add(p, res("gcp:projects/iAMBinding:IAMBinding", "mp-test-node-binding", null, Map.of(
                        "role", "roles/storage.admin", "members", List.of("user:a@example.com",
                                "serviceAccount:mp-test-node@mediaplane-test-000000.iam.gserviceaccount.com"))))));
        cases.add(c("iam-no-admin-roles-for-sa", "mp-test-policy", "policyData.bindings[1].role",
                p -> add(p, res("gcp:projects/iAMPolicy:IAMPolicy", "mp-test-policy", null, Map.of("policyData",
                        "{\"bindings\":[{\"role\":\"roles/viewer\",\"members\":[\"group:g@example.com\"]},"
                                + "{\"role\":\"roles/owner\",\"members\":[\"serviceAccount:x@p-000000.iam.gserviceaccount.com\"]}]}")))));
        cases.add(c("iam-no-sa-impersonation-at-project", "mp-test-node-log-writer", "role",
                p -> edit(p, "mp-test-node-log-writer", in -> in.put("role", "roles/iam.serviceAccountTokenCreator"))));
        cases.add(c("iam-no-default-sa-at-project", "mp-test-node-log-writer", "member",
                p -> edit(p, "mp-test-node-log-writer", in -> in.put("member", "serviceAccount:" + DEFAULT_SA))));
        cases.add(c("gcs-no-public-members", "mp-test-recordings-writer", "member",
                p -> edit(p, "mp-test-recordings-writer", in -> in.put("member", "allUsers"))));
        cases.add(c("gcs-no-public-members", "mp-test-acl", "entity",
                p -> add(p, res("gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl", "mp-test-acl", null,
                        Map.of("entity", "allAuthenticatedUsers", "role", "READER")))));
        cases.add(c("gcs-no-public-members", "mp-test-bucket-policy", "policyData.bindings[0].members[1]",
                p -> add(p, res("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "mp-test-bucket-policy", null, Map.of(
                        "policyData", "{\"bindings\":[{\"role\":\"roles/storage.objectViewer\",\"members\":"
                                + "[\"group:g@example.com\",\"allUsers\"]}]}")))));
        cases.add(c("gcs-public-access-prevention", "mp-test-recordings", "publicAccessPrevention",
                p -> edit(p, "mp-test-recordings", in -> in.put("publicAccessPrevention", "inherited"))));
        cases.add(c("gcs-uniform-access", "mp-test-recordings", "uniformBucketLevelAccess",
                p -> edit(p, "mp-test-recordings", in -> in.remove("uniformBucketLevelAccess"))));
        cases.add(c("secret-version-data-is-secret", "mp-test-esl-password-v", "secretData",
                p -> edit(p, "mp-test-esl-password-v", in -> in.put("secretData", "hunter2-in-clear"))));
        cases.add(c("no-secret-outside-secret-manager", TEMPLATE, "metadata.esl-password",
                p -> edit(p, TEMPLATE, in -> sub(in, "metadata").put("esl-password", Plan.SECRET))));
        cases.add(c("no-secret-outside-secret-manager", TEMPLATE, "metadata.startup-script",
                p -> edit(p, TEMPLATE, in -> sub(in, "metadata").put("startup-script",
                        PlanFixtures.STARTUP_SCRIPT + "cat > /etc/k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEKEYMARKER\n"))));
        cases.add(c("no-secret-outside-secret-manager", "mp-test-release-freeswitch-xml", "content",
                p -> edit(p, "mp-test-release-freeswitch-xml", in -> in.put("content",
                        "<param name=\"api-key\" value=\"AIzaSyA1234567890abcdefghijklmnopqrstuv\"/>"))));
        cases.add(c("mon-aligner-valid-for-metric", "mp-test-disk", "conditions[0].conditionThreshold.aggregations[0].perSeriesAligner",
                p -> MonitoringPoliciesTest.withAlert(p, "DISTRIBUTION", "ALIGN_COUNT", " AND resource.type=\"gce_instance\"")));
        cases.add(c("mon-node-metrics-in-contract", "mp-test-agent", "conditions[0].conditionThreshold.filter",
                p -> MonitoringPoliciesTest.withAgentAlert(p, "prometheus.googleapis.com/mediaplane_active_cals/gauge", "ALIGN_MEAN")));
        cases.add(c("mon-user-metric-resource-type", "mp-test-disk", "conditions[0].conditionThreshold.filter",
                p -> MonitoringPoliciesTest.withAlert(p, "DISTRIBUTION", "ALIGN_PERCENTILE_99", "")));
        return cases.stream();
    }

    private static Arguments c(String policy, String resource, String path, UnaryOperator<Plan> breakIt) {
        return Arguments.of(policy, resource, path, breakIt);
    }

    @ParameterizedTest(name = "{0} on {1} {2}")
    @MethodSource("violations")
    void violatingPlanFails(String policy, String resource, String path, UnaryOperator<Plan> breakIt) {
        StackConfig config = policy.equals("fw-ssh-only-when-enabled") ? NO_SSH : CONFIG;
        List<Violation> found = PolicyEngine.evaluate(breakIt.apply(compliant()), config);
        assertTrue(found.stream().anyMatch(v -> v.policyId().equals(policy) && v.name().equals(resource)
                        && v.path().equals(path)),
                () -> "expected " + policy + " on " + resource + " " + path + ", got:\n" + lines(found));
        for (Violation v : found) {
            assertFalse(v.type().isBlank() || v.value().isBlank() || v.reason().isBlank(), v.line());
        }
    }

    @Test
    void compliantPlanPassesEveryPolicy() {
        List<Violation> found = PolicyEngine.evaluate(compliant(), CONFIG);
        assertEquals(List.of(), found, () -> lines(found));
    }

    @Test
    void everyPolicyHasAViolatingCase() {
        Set<String> tested = violations().map(a -> (String) a.get()[0]).collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = PolicyEngine.policies().stream().map(Policy::id).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(all, tested);
    }

    @Test
    void idsAreUniqueAndReferencesWellFormed() {
        List<Policy> ps = PolicyEngine.policies();
        assertEquals(ps.size(), ps.stream().map(Policy::id).distinct().count());
        for (Policy p : ps) {
            assertTrue(p.id().matches("[a-z]+(-[a-z0-9]+)+"), p.id());
            assertTrue(p.cis().matches("-|[1-9]\\.[0-9]{1,2}(, [1-9]\\.[0-9]{1,2})*"), p.id() + " cis " + p.cis());
            assertTrue(p.checkov().matches("-|CKV_GCP_[0-9]+"), p.id() + " checkov " + p.checkov());
            assertTrue(p.trivy().matches("-|AVD-GCP-[0-9]{4}"), p.id() + " trivy " + p.trivy());
        }
        Policy serial = ps.stream().filter(p -> p.id().equals("gce-no-serial-port")).findFirst().orElseThrow();
        assertEquals("CIS 4.5 / CKV_GCP_35", serial.references());
    }

    @Test
    void violationsAreSortedAndStable() {
        Plan bad = edit(edit(compliant(), TEMPLATE, in -> {
            in.put("canIpForward", true);
            sub(in, "metadata").put("enable-oslogin", "FALSE");
        }), "mp-test-recordings", in -> in.put("uniformBucketLevelAccess", false));
        List<Violation> first = PolicyEngine.evaluate(bad, CONFIG);
        assertEquals(first, PolicyEngine.evaluate(bad, CONFIG));
        assertEquals(first.stream().sorted().toList(), first);
        assertEquals(List.of("gce-no-ip-forwarding", "gce-os-login", "gcs-uniform-access"),
                first.stream().map(Violation::policyId).toList());
    }

    @Test
    void secretValuesNeverAppearInViolations() {
        Plan bad = edit(edit(compliant(), "mp-test-esl-password-v", in -> in.put("secretData", "hunter2-in-clear")),
                TEMPLATE, in -> sub(in, "metadata").put("tls-key",
                        "-----BEGIN PRIVATE KEY-----\nMIIEKEYMARKER\n-----END PRIVATE KEY-----\n"));
        List<Violation> found = PolicyEngine.evaluate(bad, CONFIG);
        assertEquals(2, found.size(), () -> lines(found));
        String text = lines(found);
        assertFalse(text.contains("hunter2"), text);
        assertFalse(text.contains("MIIEKEYMARKER"), text);
    }

    @Test
    void withoutSshThePlanWithoutPort22Passes() {
        Plan noSsh = new Plan("test", compliant().resources().stream()
                .filter(r -> !r.name().equals("mp-test-iap-ssh")).toList(), Map.of());
        assertEquals(List.of(), PolicyEngine.evaluate(noSsh, NO_SSH));
    }

    @Test
    void aComputedServiceAccountIsNotTheDefault() {
        Plan p = edit(compliant(), TEMPLATE, in -> sub(in, "serviceAccount").put("email", Plan.UNKNOWN));
        assertEquals(List.of(), PolicyEngine.evaluate(p, CONFIG));
    }

    @Test
    void egressAndDisabledRulesDoNotOpenPorts() {
        Plan p = add(add(compliant(), res(FIREWALL, "mp-test-egress", null, Map.of("direction", "EGRESS",
                        "destinationRanges", List.of("0.0.0.0/0"), "allows", List.of(Map.of("protocol", "tcp"))))),
                res(FIREWALL, "mp-test-off", null, Map.of("disabled", true, "sourceRanges", List.of("0.0.0.0/0"),
                        "allows", List.of(Map.of("protocol", "tcp", "ports", List.of("22"))))));
        assertEquals(List.of(), PolicyEngine.evaluate(p, CONFIG));
    }

    @Test
    void portRanges() {
        assertTrue(NetworkPolicies.portCovers("22", 22));
        assertTrue(NetworkPolicies.portCovers("20-30", 22));
        assertFalse(NetworkPolicies.portCovers("23-30", 22));
        assertFalse(NetworkPolicies.portCovers("2222", 22));
        assertTrue(NetworkPolicies.portCovers("garbage", 22), "unreadable port specs count as open");
    }

    private static String lines(List<Violation> vs) {
        return vs.stream().map(Violation::line).collect(Collectors.joining("\n"));
    }
}
