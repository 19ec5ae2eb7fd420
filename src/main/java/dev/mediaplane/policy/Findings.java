package dev.mediaplane.policy;

import dev.mediaplane.plan.PlannedResource;
import java.util.ArrayList;
import java.util.List;

/** Collects the violations of one policy while its rule runs. */
public final class Findings {
    private final Policy policy;
    private final List<Violation> violations = new ArrayList<>();

    Findings(Policy policy) {
        this.policy = policy;
    }

    /** Reports {@code resource}'s input at {@code path} with {@code value} (shown safely). */
    public void fail(PlannedResource resource, String path, Object value, String reason) {
        violations.add(new Violation(policy.id(), policy.references(), resource.type(), resource.name(), path,
                Inputs.show(value), reason));
    }

    /** Like {@link #fail} with {@code shown} printed as it is: for values that must not be shown at all. */
    public void failDescribed(PlannedResource resource, String path, String shown, String reason) {
        violations.add(new Violation(policy.id(), policy.references(), resource.type(), resource.name(), path, shown,
                reason));
    }

    List<Violation> violations() {
        return violations;
    }
}
