package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.projects.IAMCustomRole;
import com.pulumi.gcp.projects.IAMCustomRoleArgs;
import com.pulumi.gcp.projects.IAMMember;
import com.pulumi.gcp.projects.IAMMemberArgs;
import com.pulumi.gcp.serviceaccount.Account;
import com.pulumi.gcp.serviceaccount.AccountArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.StackConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who the nodes are, and who may find them: the node service account with only the project roles
 * it needs to write logs and metrics, and (optionally) a read-only discovery role for the
 * controller.
 *
 * <p>The node account is dedicated (never the default compute SA, CIS 4.1) and has no keys (CIS
 * 1.4): the VM gets its tokens from the metadata server. Its access to buckets, secrets and
 * topics is granted per resource by the components that own them, never at project level (CIS
 * 1.5/1.6: no admin or broad roles).
 *
 * <p>Discovery: with ephemeral addresses the controller cannot know node IPs from config. It
 * lists instances through the Compute API (filter {@code labels.stack=<stack> AND
 * labels.component=fleet}), reads each instance's {@code networkInterfaces[0].accessConfigs[0].natIP}
 * and the full release hash from metadata {@code mediaplane-release}; the label {@code release}
 * carries its first 12 hex digits. The custom role grants exactly that and nothing that can change
 * anything.
 */
public final class Identity extends Component {

    public static final String TYPE = "mediaplane:gcp:Identity";

    /** Project roles of the node account: everything else is granted on single resources. */
    public static final List<String> NODE_PROJECT_ROLES = List.of("roles/logging.logWriter", "roles/monitoring.metricWriter");

    /** The discovery role's permissions: read-only. */
    public static final List<String> DISCOVERY_PERMISSIONS = List.of(
            "compute.instances.get", "compute.instances.list",
            "compute.instanceGroupManagers.get", "compute.addresses.list");

    /**
     * Inputs.
     *
     * @param config the stack; without controller.serviceAccount no discovery role is made
     */
    public record Args(StackConfig config) {
        public Args {
            Objects.requireNonNull(config, "config");
        }
    }

    /** Email of the node service account. */
    public final Output<String> nodeServiceAccountEmail;

    public Identity(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();

        Account node = new Account(prefix + "-node", AccountArgs.builder()
                .project(c.project())
                .accountId(prefix + "-node")
                .displayName("mediaplane node (" + c.stack() + ")")
                .description("FreeSWITCH nodes of stack " + c.stack() + ": writes recordings, logs and metrics; reads its secrets and releases.")
                .build(), Common.child(this));
        this.nodeServiceAccountEmail = node.email();

        Output<String> member = node.email().applyValue(Common::saMember);
        for (String role : NODE_PROJECT_ROLES) {
            String shortRole = role.substring(role.indexOf('/') + 1).replace('.', '-');
            new IAMMember(prefix + "-node-" + shortRole, IAMMemberArgs.builder()
                    .project(c.project())
                    .role(role)
                    .member(member)
                    .build(), Common.child(this));
        }

        c.controller().serviceAccount().ifPresent(controllerSa -> {
            // Custom role ids allow [a-zA-Z0-9_.] only: the prefix's dashes become underscores.
            String roleId = prefix.replace('-', '_') + "_node_discovery";
            IAMCustomRole role = new IAMCustomRole(prefix + "-node-discovery", IAMCustomRoleArgs.builder()
                    .project(c.project())
                    .roleId(roleId)
                    .title("mediaplane node discovery (" + c.stack() + ")")
                    .description("Read-only: list the nodes of stack " + c.stack() + " and their addresses.")
                    .permissions(DISCOVERY_PERMISSIONS)
                    .stage("GA")
                    .build(), Common.child(this));
            new IAMMember(prefix + "-controller-discovery", IAMMemberArgs.builder()
                    .project(c.project())
                    .role(role.name())
                    .member(Common.saMember(controllerSa))
                    .build(), Common.child(this));
        });

        registerOutputs(Map.of("nodeServiceAccountEmail", nodeServiceAccountEmail));
    }
}
