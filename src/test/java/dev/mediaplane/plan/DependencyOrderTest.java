package dev.mediaplane.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackFileLoader;
import java.nio.file.Path;
import dev.mediaplane.infra.MediaPlaneProgram;
import dev.mediaplane.infra.ProjectServices;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Create order as the engine receives it: the dependencies of each RegisterResourceRequest
 * (explicit dependsOn plus the resources its inputs read).
 */
class DependencyOrderTest {
    static final String SERVICE = "gcp:projects/service:Service";
    static final String MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";

    static Stream<LoadedConfig> stacks() {
        return Stream.of("dev", "prod").map(s -> {
            try {
                return StackFileLoader.load(Path.of(""), s);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static PlanRunner.Captured capture(LoadedConfig c) {
        return PlanRunner.captureWithOptions(c.config().stack(), PlanRunner.mocksFor(c.config()),
                ctx -> MediaPlaneProgram.define(ctx, c));
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void everyApiIsEnabledAndNeverDisabledOnDestroy(LoadedConfig c) {
        Plan plan = capture(c).plan();
        Set<String> apis = new TreeSet<>();
        plan.ofType(SERVICE).forEach(s -> {
            apis.add((String) s.inputs().get("service"));
            assertEquals(false, s.inputs().get("disableOnDestroy"), s.name());
            assertEquals(c.config().project(), s.inputs().get("project"), s.name());
        });
        assertEquals(new TreeSet<>(List.of("compute.googleapis.com", "iam.googleapis.com", "secretmanager.googleapis.com",
                "pubsub.googleapis.com", "storage.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com")), apis);
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void everyResourceWaitsForTheApisAndTheGroupForWhatANodeReadsAtBoot(LoadedConfig c) {
        PlanRunner.Captured cap = capture(c);
        Map<String, List<String>> deps = cap.dependencies();
        List<String> services = cap.plan().ofType(SERVICE).map(s -> s.type() + " " + s.name()).toList();
        assertEquals(ProjectServices.APIS.size(), services.size());
        List<String> missing = new ArrayList<>();
        for (PlannedResource r : cap.plan().resources()) {
            String key = r.type() + " " + r.name();
            if (r.type().equals(SERVICE) || r.type().startsWith("mediaplane:")) {
                continue; // components register nothing with a provider
            }
            if (!reaches(deps, key, services)) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "resources that may be created before the APIs are enabled");

        String mig = cap.plan().ofType(MIG).map(m -> m.type() + " " + m.name()).findFirst().orElseThrow();
        List<String> migDeps = deps.get(mig);
        for (String type : List.of("gcp:storage/bucketObject:BucketObject", "gcp:secretmanager/secretVersion:SecretVersion",
                "gcp:secretmanager/secretIamMember:SecretIamMember", "gcp:storage/bucketIAMMember:BucketIAMMember")) {
            List<String> all = cap.plan().ofType(type).map(x -> x.type() + " " + x.name()).toList();
            // The committed stacks give no secret values (versions are added out of band): none to wait for there.
            assertTrue(!all.isEmpty() || type.endsWith(":SecretVersion"), "the plan has no " + type);
            for (String x : all) {
                assertTrue(migDeps.contains(x), mig + " does not wait for " + x + "; it waits for " + migDeps);
            }
        }
    }

    /** Whether from reaches every target through dependencies (directly or transitively). */
    static boolean reaches(Map<String, List<String>> deps, String from, List<String> targets) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String x = todo.remove(todo.size() - 1);
            if (seen.add(x)) {
                todo.addAll(deps.getOrDefault(x, List.of()));
            }
        }
        return seen.containsAll(targets);
    }
}
