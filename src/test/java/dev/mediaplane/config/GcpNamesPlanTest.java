package dev.mediaplane.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pulumi.test.PulumiTest;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GcpNames lists every name the program derives from the prefix: each GCP name in a real plan
 * (name, accountId, roleId, secretId inputs) is in the list, so validation checks what infra
 * really creates. Per-node and hashed names count by their longest form.
 */
class GcpNamesPlanTest {

    @AfterEach
    void cleanup() {
        PulumiTest.cleanup();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyPlannedNameIsADerivedName(String stack) {
        String text = StackConfigFixtures.stackFile(stack);
        LoadedConfig loaded = StackFileLoader.parse(stack, "Pulumi." + stack + ".yaml", text);
        StackConfig c = loaded.config();
        Set<String> derived = GcpNames.derived(c.project(), c.prefix()).stream().map(GcpNames.Derived::name)
                .collect(Collectors.toCollection(TreeSet::new));
        // The longest forms stand for every node index and template hash.
        assertTrue(derived.contains(c.prefix() + "-node-999-ip") && derived.contains(c.prefix() + "-node-0123456789"));
        Plan plan = PlanRunner.run(loaded);
        Pattern perNode = Pattern.compile(Pattern.quote(c.prefix()) + "-node-([0-9]+(-ip)?|[0-9a-f]{10})");
        Set<String> missing = new TreeSet<>();
        for (var r : plan.resources()) {
            if (r.isComponent() || r.type().contains("BucketObject") || r.type().startsWith("gcp:monitoring/alertPolicy")) {
                continue; // object names are paths; alert policies are named by display name only
            }
            for (String input : new String[] {"name", "accountId", "roleId", "secretId"}) {
                if (r.inputs().get(input) instanceof String name && (name.startsWith(c.prefix().replace('-', '_'))
                        || name.startsWith(c.prefix() + "-") || name.startsWith(c.project() + "-"))
                        && !derived.contains(name) && !perNode.matcher(name).matches()) {
                    missing.add(r.type() + " " + input + "=" + name);
                }
            }
        }
        assertTrue(missing.isEmpty(), "names infra derives that GcpNames.derived does not list: " + missing);
    }
}
