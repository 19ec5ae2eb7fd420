package dev.mediaplane.policy;

import dev.mediaplane.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * A named check over a plan. The id is a stable public name (scripts and waivers refer to it);
 * {@code cis}, {@code checkov} and {@code trivy} name the same control in CIS Google Cloud
 * Foundation Benchmark v4.0.0, Checkov ({@code CKV_GCP_*}) and Trivy ({@code AVD-GCP-*}), or
 * {@code -} when that catalogue has no such control (mediaplane's own rules).
 *
 * @param id stable id, kebab-case, prefixed by area ({@code gce-}, {@code fw-}, {@code iam-} ...)
 * @param title what a passing plan guarantees, one line
 * @param cis CIS GCP Foundation Benchmark v4.0.0 recommendation(s), comma-separated, or {@code -}
 * @param checkov Checkov check id, or {@code -}
 * @param trivy Trivy (AVD) id, or {@code -}
 * @param rule finds the violations
 */
public record Policy(String id, String title, String cis, String checkov, String trivy, Rule rule) {

    /** Finds violations of one policy and reports them to {@code out}. */
    @FunctionalInterface
    public interface Rule {
        void apply(Plan plan, PolicyContext ctx, Findings out);
    }

    /** Every violation of this policy in the plan, sorted. */
    public List<Violation> evaluate(Plan plan, PolicyContext ctx) {
        Findings out = new Findings(this);
        rule.apply(plan, ctx, out);
        List<Violation> found = new ArrayList<>(out.violations());
        found.sort(null);
        return found;
    }

    /** The catalogue entry as ordered fields (id, title, cis, checkov, trivy), for JSON reports. */
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("id", id);
        m.put("title", title);
        m.put("cis", cis);
        m.put("checkov", checkov);
        m.put("trivy", trivy);
        return m;
    }

    /** {@code CIS 4.4 / CKV_GCP_34}, the reference printed beside the id. */
    public String references() {
        List<String> refs = new ArrayList<>();
        if (!cis.equals("-")) {
            refs.add("CIS " + cis);
        }
        if (!checkov.equals("-")) {
            refs.add(checkov);
        }
        if (refs.isEmpty()) {
            refs.add("mediaplane");
        }
        return String.join(" / ", refs);
    }
}
