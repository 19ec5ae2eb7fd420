package dev.mediaplane.policy;

import dev.mediaplane.config.StackConfig;
import dev.mediaplane.plan.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Runs every policy over a plan. */
public final class PolicyEngine {

    private static final List<Policy> POLICIES = Stream.of(IamPolicies.all(), NetworkPolicies.all(),
                    InstancePolicies.all(), StoragePolicies.all(), SecretPolicies.all(), MonitoringPolicies.all())
            .flatMap(List::stream)
            .sorted(java.util.Comparator.comparing(Policy::id))
            .toList();

    private PolicyEngine() {}

    /** Every policy, sorted by id. */
    public static List<Policy> policies() {
        return POLICIES;
    }

    /** All violations of all policies, sorted (policy id, type, name, path). */
    public static List<Violation> evaluate(Plan plan, StackConfig config) {
        PolicyContext ctx = new PolicyContext(config);
        List<Violation> all = new ArrayList<>();
        for (Policy p : POLICIES) {
            all.addAll(p.evaluate(plan, ctx));
        }
        all.sort(null);
        return List.copyOf(all);
    }
}
