package dev.mediaplane.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanPrinter;
import dev.mediaplane.plan.PlanRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real program's plan of the committed stacks passes every policy, and secure: markers never
 * reach the printed plan. Skipped where PlanRunner is still a stub (the cli branch alone).
 */
class CommittedStacksTest {

    @TempDir
    Path dir;

    private static Plan plan(LoadedConfig config) {
        try {
            return PlanRunner.run(config);
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("PlanRunner not built on this branch: " + e.getMessage());
            throw e;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void committedStackPassesEveryPolicy(String stack) {
        LoadedConfig config = StackFileLoader.load(Path.of("."), stack);
        List<Violation> found = PolicyEngine.evaluate(plan(config), config.config());
        assertEquals(List.of(), found, () -> found.stream().map(Violation::line).collect(Collectors.joining("\n")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void secureMarkersNeverReachThePrintedPlan(String stack) throws Exception {
        String marker = "MARKERc1f3";
        StringBuilder yaml = new StringBuilder(Files.readString(Path.of("Pulumi." + stack + ".yaml")));
        for (String key : List.of("eslPassword", "sipTrunkPassword", "tlsPrivateKey", "deepgramApiKey")) {
            if (!yaml.toString().contains("mediaplane:" + key + ":")) {
                yaml.append("  mediaplane:").append(key).append(":\n    secure: v1:").append(marker).append(key).append('\n');
            }
        }
        Files.writeString(dir.resolve("Pulumi." + stack + ".yaml"), yaml);
        LoadedConfig config = StackFileLoader.load(dir, stack);
        Plan plan = plan(config);
        String printed = PlanPrinter.json(plan) + PlanPrinter.tree(plan);
        assertFalse(printed.contains(marker), "a secure: value reached the plan output");
        assertTrue(printed.contains(Plan.SECRET), "the secret versions show as " + Plan.SECRET);
        assertEquals(List.of(), PolicyEngine.evaluate(plan, config.config()));
    }
}
