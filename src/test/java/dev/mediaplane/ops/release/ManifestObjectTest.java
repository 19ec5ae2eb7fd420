package dev.mediaplane.ops.release;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.Plan;
import dev.mediaplane.plan.PlanRunner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The object release status and canary start look for is the one the program uploads last. The name
 * is spelt in infra/RecordingStore and here (render/Bundle has no constant for it): the plan of the
 * committed prod stack pins the two together.
 */
class ManifestObjectTest {

    @Test
    void theManifestObjectIsTheOneTheProgramUploads() {
        Path dir = Path.of(".");
        ReleaseState s = ReleaseState.read(dir, "prod");
        Plan plan = PlanRunner.run(StackFileLoader.load(dir, "prod"));
        List<String> manifests = plan.ofType("gcp:storage/bucketObject:BucketObject")
                .map(o -> String.valueOf(o.inputs().get("name")))
                .filter(n -> n.equals(ReleaseState.manifestObject(s.currentRender())))
                .toList();
        assertEquals(List.of(ReleaseState.manifestObject(s.currentRender())), manifests);
    }
}
