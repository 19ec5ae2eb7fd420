package dev.mediaplane.cli;

import dev.mediaplane.plan.CanonicalJson;
import dev.mediaplane.policy.Policy;
import dev.mediaplane.policy.PolicyEngine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mediaplane policies}: the catalogue {@code check} runs, with its CIS/Checkov/Trivy ids. */
@Command(name = "policies", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists every policy 'check' runs: id, CIS v4.0.0, Checkov and Trivy ids, title.")
public final class PoliciesCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        List<Policy> policies = PolicyEngine.policies();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json) {
            List<Object> rows = new ArrayList<>();
            for (Policy p : policies) {
                rows.add(p.describe());
            }
            out.print(CanonicalJson.write(rows));
        } else {
            int w = policies.stream().mapToInt(p -> p.id().length()).max().orElse(2);
            out.printf("%-" + w + "s  %-4s  %-11s  %-12s  %s%n", "ID", "CIS", "CHECKOV", "TRIVY", "TITLE");
            for (Policy p : policies) {
                out.printf("%-" + w + "s  %-4s  %-11s  %-12s  %s%n", p.id(), p.cis(), p.checkov(), p.trivy(), p.title());
            }
        }
        out.flush();
        return ExitCode.OK.code();
    }
}
