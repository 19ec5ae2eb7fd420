package dev.mediaplane.infra;

import com.pulumi.gcp.projects.Service;
import com.pulumi.gcp.projects.ServiceArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.Resource;
import dev.mediaplane.config.StackConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Google APIs the stack uses, enabled before anything else: on a fresh project every other
 * resource fails with SERVICE_DISABLED. serviceusage and cloudresourcemanager cannot enable
 * themselves (this resource calls them); the operator enables those two once by hand.
 */
public final class ProjectServices extends Component {

    public static final String TYPE = "mediaplane:gcp:ProjectServices";

    /** Service names, in the order the README lists them; each is {@code <api>.googleapis.com}. */
    public static final List<String> APIS = List.of("compute", "iam", "secretmanager", "pubsub", "storage",
            "logging", "monitoring");

    /** The two APIs the provider needs to enable the others: enabled by hand, never by the stack. */
    public static final List<String> BOOTSTRAP = List.of("serviceusage", "cloudresourcemanager");

    /** Inputs: the stack config (its project). */
    public record Args(StackConfig config) {}

    /** The Service resources; every other resource of the stack depends on all of them. */
    public final List<Resource> services;

    public ProjectServices(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        List<Resource> out = new ArrayList<>();
        for (String api : APIS) {
            out.add(new Service(c.prefix() + "-api-" + api, ServiceArgs.builder()
                    .project(c.project())
                    .service(api + ".googleapis.com")
                    // A shared project's API stays on after destroy; other stacks may use it.
                    .disableOnDestroy(false)
                    .disableDependentServices(false)
                    .build(), Common.child(this)));
        }
        this.services = List.copyOf(out);
        registerOutputs(Map.of());
    }
}
