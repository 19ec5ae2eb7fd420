package dev.mediaplane.cli;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.plan.CanonicalJson;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.policy.Policy;
import dev.mediaplane.policy.PolicyEngine;
import dev.mediaplane.policy.Violation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane check}: plans a stack and runs every policy over the plan. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Plans a stack offline and checks the plan against mediaplane's policies",
            "(CIS Google Cloud Foundation Benchmark v4.0.0, Checkov CKV_GCP_*, Trivy AVD-GCP-*).",
            "Prints one FAIL line per violation: FAIL <id> [<CIS / Checkov>] <type> <name>: <input> = <value>: <why>"
        })
public final class CheckCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    private CommandSpec spec;

    private final Function<LoadedConfig, Plan> planner;

    CheckCommand(Function<LoadedConfig, Plan> planner) {
        this.planner = planner;
    }

    @Override
    public Integer call() {
        LoadedConfig config = stack.load();
        Plan plan = planner.apply(config);
        List<Violation> violations = PolicyEngine.evaluate(plan, config.config());
        List<Policy> policies = PolicyEngine.policies();
        TreeSet<String> failed = new TreeSet<>();
        violations.forEach(v -> failed.add(v.policyId()));
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            out.print(CanonicalJson.write(report(plan, policies, violations, failed)));
        } else {
            violations.forEach(v -> out.println(v.line()));
            if (violations.isEmpty()) {
                out.printf("%d checks passed (stack %s, %d resources)%n", policies.size(), plan.stack(),
                        plan.resources().size());
            } else {
                out.printf("%d of %d checks failed with %d violation%s (stack %s, %d resources): %s%n", failed.size(),
                        policies.size(), violations.size(), violations.size() == 1 ? "" : "s", plan.stack(),
                        plan.resources().size(), String.join(", ", failed));
            }
        }
        out.flush();
        return violations.isEmpty() ? ExitCode.OK.code() : ExitCode.POLICY_VIOLATION.code();
    }

    private static Map<String, Object> report(Plan plan, List<Policy> policies, List<Violation> violations,
            TreeSet<String> failed) {
        List<Object> checks = new ArrayList<>();
        for (Policy p : policies) {
            Map<String, Object> c = p.describe();
            c.put("passed", !failed.contains(p.id()));
            checks.add(c);
        }
        List<Object> found = new ArrayList<>();
        for (Violation v : violations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("policy", v.policyId());
            m.put("references", v.references());
            m.put("type", v.type());
            m.put("name", v.name());
            m.put("path", v.path());
            m.put("value", v.value());
            m.put("reason", v.reason());
            found.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("stack", plan.stack());
        doc.put("passed", violations.isEmpty());
        doc.put("checks", checks);
        doc.put("violations", found);
        return doc;
    }
}
