package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.compute.Address;
import com.pulumi.gcp.compute.AddressArgs;
import com.pulumi.gcp.compute.HealthCheck;
import com.pulumi.gcp.compute.HealthCheckArgs;
import com.pulumi.gcp.compute.InstanceTemplate;
import com.pulumi.gcp.compute.InstanceTemplateArgs;
import com.pulumi.gcp.compute.RegionAutoscaler;
import com.pulumi.gcp.compute.RegionAutoscalerArgs;
import com.pulumi.gcp.compute.RegionInstanceGroupManager;
import com.pulumi.gcp.compute.RegionInstanceGroupManagerArgs;
import com.pulumi.gcp.compute.RegionPerInstanceConfig;
import com.pulumi.gcp.compute.RegionPerInstanceConfigArgs;
import com.pulumi.gcp.compute.inputs.HealthCheckHttpHealthCheckArgs;
import com.pulumi.gcp.compute.inputs.InstanceTemplateDiskArgs;
import com.pulumi.gcp.compute.inputs.InstanceTemplateNetworkInterfaceAccessConfigArgs;
import com.pulumi.gcp.compute.inputs.InstanceTemplateNetworkInterfaceArgs;
import com.pulumi.gcp.compute.inputs.InstanceTemplateServiceAccountArgs;
import com.pulumi.gcp.compute.inputs.InstanceTemplateShieldedInstanceConfigArgs;
import com.pulumi.gcp.compute.inputs.RegionAutoscalerAutoscalingPolicyArgs;
import com.pulumi.gcp.compute.inputs.RegionAutoscalerAutoscalingPolicyCpuUtilizationArgs;
import com.pulumi.gcp.compute.inputs.RegionAutoscalerAutoscalingPolicyScaleInControlArgs;
import com.pulumi.gcp.compute.inputs.RegionAutoscalerAutoscalingPolicyScaleInControlMaxScaledInReplicasArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerAutoHealingPoliciesArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerInstanceLifecyclePolicyArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerNamedPortArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerUpdatePolicyArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerVersionArgs;
import com.pulumi.gcp.compute.inputs.RegionInstanceGroupManagerVersionTargetSizeArgs;
import com.pulumi.gcp.compute.inputs.RegionPerInstanceConfigPreservedStateArgs;
import com.pulumi.gcp.compute.inputs.RegionPerInstanceConfigPreservedStateExternalIpArgs;
import com.pulumi.gcp.compute.inputs.RegionPerInstanceConfigPreservedStateExternalIpIpAddressArgs;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.NodeContract;
import dev.mediaplane.render.BootScripts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.TreeMap;

/**
 * The FreeSWITCH nodes: one instance template per live release (stable, and the canary when
 * there is one), the regional instance group that runs them, its liveness check and autohealing,
 * the autoscaler or the fixed size, and for static fleets one reserved external address per node.
 *
 * <p>Template names carry a hash of everything the template holds, because every template field
 * is immutable in GCE and a template cannot be deleted while a group uses it: a change creates a
 * new template under a new name, the group moves to it, then the old one is dropped.
 */
public final class Fleet extends Component {

    public static final String TYPE = "mediaplane:gcp:Fleet";

    /** NIC name GCE gives the first interface; stateful IP configs refer to it. */
    static final String NIC = "nic0";

    /**
     * Inputs.
     *
     * @param config the stack; machine, size, addresses and autoscaling come from it
     * @param releases the release hashes in service (stable, and the canary when present)
     * @param nodeServiceAccountEmail the account the VMs run as
     * @param subnetwork the subnet the VMs' NIC is in
     */
    public record Args(StackConfig config, Releases releases, Output<String> nodeServiceAccountEmail,
                       Output<String> subnetwork) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(releases, "releases");
            Objects.requireNonNull(nodeServiceAccountEmail, "nodeServiceAccountEmail");
            Objects.requireNonNull(subnetwork, "subnetwork");
        }
    }

    /**
     * Which releases run: {@code stable} on every node but the canaries; {@code canary}, when
     * present, on {@code release.canarySize} nodes. Each comes with its rendered boot scripts.
     */
    public record Releases(BootScripts stable, Optional<BootScripts> canary) {
        public Releases {
            Objects.requireNonNull(stable, "stable");
            canary = Objects.requireNonNull(canary, "canary");
            if (canary.isPresent() && canary.get().releaseHash().equals(stable.releaseHash())) {
                throw new IllegalArgumentException("mediaplane:releaseStable is the current render's hash "
                        + stable.releaseHash() + ": a canary must differ from the stable release; set "
                        + "releaseCanarySize to 0 to run it everywhere");
            }
        }

        /**
         * Stable from config when pinned, else the current render; the canary is always the current
         * render. {@code boot} renders a release's scripts (the program passes Renderer::bootScripts).
         */
        public static Releases of(StackConfig config, Bundle current, Function<String, BootScripts> boot) {
            String stable = config.release().stable().orElse(current.hash());
            Optional<String> canary = config.release().canary() ? Optional.of(current.hash()) : Optional.empty();
            return new Releases(boot.apply(stable), canary.map(boot));
        }
    }

    public final Output<String> instanceGroupManager;
    /** Instance group URL of the manager, the load balancer's backend. */
    public final Output<String> instanceGroup;
    /** Reserved external addresses, in node order; empty for ephemeral fleets. */
    public final Output<List<String>> nodeAddresses;
    /** Template name per role ({@code stable}, {@code canary}). */
    public final Map<String, String> templateNames;

    public Fleet(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();
        var fleet = c.fleet();
        boolean staticAddresses = fleet.addressMode() == StackConfig.AddressMode.STATIC;

        Map<String, BootScripts> roles = new LinkedHashMap<>();
        roles.put("stable", args.releases().stable());
        args.releases().canary().ifPresent(h -> roles.put("canary", h));
        Map<String, InstanceTemplate> templates = new LinkedHashMap<>();
        Map<String, String> templateNamesOut = new LinkedHashMap<>();
        roles.forEach((role, release) -> {
            TemplateSpec spec = TemplateSpec.of(c, release);
            templates.put(role, template(spec, args));
            templateNamesOut.put(role, spec.name());
        });
        this.templateNames = Map.copyOf(templateNamesOut);

        HealthCheck liveness = new HealthCheck(prefix + "-live", HealthCheckArgs.builder()
                .project(c.project())
                .name(prefix + "-live")
                .description("Liveness (autohealing): FreeSWITCH is alive. Draining nodes stay live.")
                .checkIntervalSec(10)
                .timeoutSec(5)
                .healthyThreshold(2)
                .unhealthyThreshold(3)
                .httpHealthCheck(HealthCheckHttpHealthCheckArgs.builder()
                        .port(fleet.healthPort())
                        .requestPath("/live")
                        .build())
                .build(), Common.child(this));

        List<RegionInstanceGroupManagerVersionArgs> versions = new ArrayList<>();
        versions.add(RegionInstanceGroupManagerVersionArgs.builder()
                .name("stable")
                .instanceTemplate(templates.get("stable").selfLinkUnique())
                .build());
        if (templates.containsKey("canary")) {
            versions.add(RegionInstanceGroupManagerVersionArgs.builder()
                    .name("canary")
                    .instanceTemplate(templates.get("canary").selfLinkUnique())
                    .targetSize(RegionInstanceGroupManagerVersionTargetSizeArgs.builder()
                            .fixed(c.release().canarySize())
                            .build())
                    .build());
        }

        int zones = c.zones().size();
        // Regional MIG rule: fixed maxSurge/maxUnavailable are 0 or at least the number of zones, so a
        // regional group cannot roll one node at a time by itself.
        var update = RegionInstanceGroupManagerUpdatePolicyArgs.builder().minimalAction("REPLACE");
        if (staticAddresses) {
            // OPPORTUNISTIC: a template change on pulumi up disrupts no node. New nodes and repaired
            // ones start on the current release; a running node moves only when the operator drains it
            // and applies the update to it (README, "Deployment"). The fixed values are still validated
            // by the API: a preserved external IP can be on one VM only, so no surge, RECREATE in place.
            update.type("OPPORTUNISTIC").mostDisruptiveAllowedAction("REPLACE")
                    .maxSurgeFixed(0).maxUnavailableFixed(zones).replacementMethod("RECREATE")
                    .instanceRedistributionType("NONE");
        } else {
            // Ephemeral fleets surge first, so capacity never drops during a rollout; a new node must be
            // ready for the liveness delay before an old one is deleted (its drain is GCE's ~90 s).
            update.type("PROACTIVE").maxSurgeFixed(zones).maxUnavailableFixed(0).replacementMethod("SUBSTITUTE")
                    .instanceRedistributionType("PROACTIVE").minReadySec(fleet.livenessInitialDelaySec());
        }

        var migArgs = RegionInstanceGroupManagerArgs.builder()
                .project(c.project())
                .name(prefix + "-nodes")
                .region(c.region())
                .description("mediaplane " + c.stack() + ": FreeSWITCH nodes")
                .baseInstanceName(prefix + "-node")
                .distributionPolicyZones(c.zones())
                .namedPorts(
                        named("sip-internal", c.controller().internalSipPort()),
                        named("esl", c.controller().eslPort()),
                        named("health", fleet.healthPort()))
                .autoHealingPolicies(RegionInstanceGroupManagerAutoHealingPoliciesArgs.builder()
                        .healthCheck(liveness.id())
                        .initialDelaySec(fleet.livenessInitialDelaySec())
                        .build())
                .updatePolicy(update.build())
                .versions(versions)
                .waitForInstances(false);
        if (staticAddresses) {
            // Autohealing recreates a VM from the template it was created with unless update-on-repair
            // is on: without it a repaired static node would come back on an old release.
            migArgs.instanceLifecyclePolicy(RegionInstanceGroupManagerInstanceLifecyclePolicyArgs.builder()
                    .forceUpdateOnRepair("YES")
                    .build());
        }
        // A static fleet's nodes are its per-instance configs: the provider creates each one with the
        // group's createInstances call, which adds a VM and raises the group's size (terraform-provider-google
        // #15911, #20662), so a targetSize as well would double the fleet. Left unset, not 0: the
        // provider's targetSize is Optional+Computed, so state takes the group's N and refresh shows no diff.
        if (fleet.autoscaling().isEmpty() && !staticAddresses) {
            migArgs.targetSize(fleet.size());
        }
        RegionInstanceGroupManager mig = new RegionInstanceGroupManager(prefix + "-nodes", migArgs.build(),
                Common.child(this));

        fleet.autoscaling().ifPresent(a -> new RegionAutoscaler(prefix + "-nodes-autoscaler", RegionAutoscalerArgs.builder()
                .project(c.project())
                .name(prefix + "-nodes-autoscaler")
                .region(c.region())
                .target(mig.selfLink())
                .autoscalingPolicy(RegionAutoscalerAutoscalingPolicyArgs.builder()
                        .minReplicas(a.minReplicas())
                        .maxReplicas(a.maxReplicas())
                        .cooldownPeriod(a.cooldownSec())
                        .cpuUtilization(RegionAutoscalerAutoscalingPolicyCpuUtilizationArgs.builder()
                                .target(a.cpuTarget())
                                .build())
                        // Scale-in deletes a VM whose shutdown script gets ~90 s (the drain's bound):
                        // one node per window at most, the window longer than a drain plus a cooldown,
                        // so the autoscaler never cuts several nodes' calls at once.
                        .scaleInControl(RegionAutoscalerAutoscalingPolicyScaleInControlArgs.builder()
                                .maxScaledInReplicas(RegionAutoscalerAutoscalingPolicyScaleInControlMaxScaledInReplicasArgs.builder()
                                        .fixed(1)
                                        .build())
                                .timeWindowSec(scaleInWindowSec(fleet.drainTimeoutSec(), a.cooldownSec()))
                                .build())
                        .build())
                .build(), Common.child(this)));

        List<Output<String>> addresses = new ArrayList<>();
        if (staticAddresses) {
            for (int i = 0; i < fleet.size(); i++) {
                String nodeName = prefix + "-node-" + i;
                Address ip = new Address(nodeName + "-ip", AddressArgs.builder()
                        .project(c.project())
                        .name(nodeName + "-ip")
                        .region(c.region())
                        .addressType("EXTERNAL")
                        .networkTier("PREMIUM")
                        .description("mediaplane " + c.stack() + ": external SIP/RTP address of " + nodeName)
                        .labels(Common.labels(c, "fleet"))
                        .build(), Common.child(this));
                addresses.add(ip.address());
                // The group creates the VM under this name with this address, and keeps the address
                // across recreation (autohealing, rollouts): the trunk sees a stable source. Deleting
                // the config (fleetSize lowered) leaves the VM in pulumi-gcp 7.0.0, which has no
                // removeInstanceOnDestroy: the operator deletes it from the group (README, "Deployment").
                new RegionPerInstanceConfig(nodeName, RegionPerInstanceConfigArgs.builder()
                        .project(c.project())
                        .region(c.region())
                        .regionInstanceGroupManager(mig.name())
                        .name(nodeName)
                        .minimalAction("REPLACE")
                        .mostDisruptiveAllowedAction("REPLACE")
                        .removeInstanceStateOnDestroy(true)
                        .preservedState(RegionPerInstanceConfigPreservedStateArgs.builder()
                                .externalIps(RegionPerInstanceConfigPreservedStateExternalIpArgs.builder()
                                        .interfaceName(NIC)
                                        .autoDelete("NEVER")
                                        .ipAddress(RegionPerInstanceConfigPreservedStateExternalIpIpAddressArgs.builder()
                                                .address(ip.selfLink())
                                                .build())
                                        .build())
                                .build())
                        .build(), Common.child(this));
            }
        }

        this.instanceGroupManager = mig.selfLink();
        this.instanceGroup = mig.instanceGroup();
        this.nodeAddresses = addresses.isEmpty() ? Output.of(List.of()) : Output.all(addresses);
        registerOutputs(Map.of(
                "instanceGroupManager", instanceGroupManager,
                "instanceGroup", instanceGroup,
                "nodeAddresses", nodeAddresses));
    }

    /** The scale-in window: a drain plus a cooldown, within the API's 3600 s. */
    static int scaleInWindowSec(int drainTimeoutSec, int cooldownSec) {
        return Math.min(3600, drainTimeoutSec + cooldownSec);
    }

    private static RegionInstanceGroupManagerNamedPortArgs named(String name, int port) {
        return RegionInstanceGroupManagerNamedPortArgs.builder().name(name).port(port).build();
    }

    /**
     * Everything an instance template declares, as plain values, built in one place
     * ({@link #of}). The template's args are built from it ({@link #template}) and its canonical
     * form ({@link #content()}) names the template, so no field reaches the template without
     * reaching its name. The two args that are outputs (the node account's email, the subnet's
     * link) enter as what identifies them at construction: the account id in the project, the
     * network mode and subnet name.
     *
     * @param namePrefix the template name before its hash: {@code <prefix>-node}
     * @param project the project the template is in (and its node account's)
     * @param machineType the VM's machine type
     * @param image the boot disk's source image
     * @param diskSizeGb the boot disk's size
     * @param diskType the boot disk's type
     * @param diskAutoDelete whether the boot disk goes with the VM
     * @param metadata instance metadata: boot scripts and the node's settings, never a secret
     * @param labels the template's labels (the stack's, plus fleet and release)
     * @param tags network tags the firewall rules target
     * @param serviceAccountId the node account's id in {@code project}
     * @param scopes OAuth scopes of the node account
     * @param subnetwork {@code <network mode>:<subnet name>} of the NIC's subnet
     * @param region the subnet's region
     * @param networkTier tier of the NIC's ephemeral external address
     * @param secureBoot Shielded VM secure boot
     * @param vtpm Shielded VM vTPM
     * @param integrityMonitoring Shielded VM integrity monitoring
     * @param canIpForward IP forwarding (CIS 4.6: off)
     */
    public record TemplateSpec(String namePrefix, String project, String machineType, String image, int diskSizeGb,
                               String diskType, boolean diskAutoDelete, Map<String, String> metadata,
                               Map<String, String> labels, List<String> tags, String serviceAccountId,
                               List<String> scopes, String subnetwork, String region, String networkTier,
                               boolean secureBoot, boolean vtpm, boolean integrityMonitoring, boolean canIpForward) {
        public TemplateSpec {
            metadata = Map.copyOf(metadata);
            labels = Map.copyOf(labels);
            tags = List.copyOf(tags);
            scopes = List.copyOf(scopes);
            for (String key : List.of(ATTRIBUTES.stack(), ATTRIBUTES.release())) {
                if (!metadata.containsKey(key)) {
                    throw new IllegalArgumentException("template metadata must carry " + key + "; it has "
                            + new TreeMap<>(metadata).keySet());
                }
            }
        }

        /** The one place a template's values are taken from the stack and the release. */
        public static TemplateSpec of(StackConfig c, BootScripts release) {
            var fleet = c.fleet();
            return new TemplateSpec(c.prefix() + "-node", c.project(), fleet.machineType(), fleet.image(),
                    fleet.diskSizeGb(), "pd-balanced", true, Fleet.metadata(c, release),
                    Fleet.templateLabels(c, release.releaseHash()), List.of(c.prefix() + "-node"), c.prefix() + "-node",
                    List.of("https://www.googleapis.com/auth/cloud-platform"),
                    c.network().mode() + ":" + c.network().subnetwork().orElse(c.prefix() + "-subnet"), c.region(),
                    "PREMIUM", true, true, true, false);
        }

        /** Names the stack and the release the metadata carries. */
        public String description() {
            return "mediaplane " + metadata.get(ATTRIBUTES.stack()) + " node, release " + metadata.get(ATTRIBUTES.release());
        }

        /** The node account's email, as Identity creates it. */
        public String serviceAccountEmail() {
            return serviceAccountId + "@" + project + ".iam.gserviceaccount.com";
        }

        /**
         * The canonical form the name hashes. Keys and their text are those of the names already
         * deployed, so existing templates keep their names; a field at GCE's fixed value for our
         * templates (no IP forwarding, boot disk deleted with the VM) appears only when it differs.
         */
        public Map<String, Object> content() {
            Map<String, Object> content = new TreeMap<>();
            content.put("machineType", machineType);
            content.put("image", image);
            content.put("diskSizeGb", diskSizeGb);
            content.put("diskType", diskType);
            content.put("metadata", new TreeMap<>(metadata));
            content.put("labels", new TreeMap<>(labels));
            content.put("tags", tags);
            content.put("serviceAccount", serviceAccountEmail());
            content.put("scopes", scopes);
            content.put("subnetwork", subnetwork);
            content.put("region", region);
            content.put("accessConfig", networkTier + "-ephemeral");
            List<String> shielded = new ArrayList<>();
            if (secureBoot) {
                shielded.add("secureBoot");
            }
            if (vtpm) {
                shielded.add("vtpm");
            }
            if (integrityMonitoring) {
                shielded.add("integrityMonitoring");
            }
            content.put("shielded", String.join(",", shielded));
            if (!diskAutoDelete) {
                content.put("diskAutoDelete", false);
            }
            if (canIpForward) {
                content.put("canIpForward", true);
            }
            return content;
        }

        /** {@code <namePrefix>-<first 10 hex of sha256(content)>}: 18 + 6 + 10 chars, under GCE's 63. */
        public String name() {
            String hash = Bundle.sha256(canonical(content()).getBytes(StandardCharsets.UTF_8));
            return namePrefix + "-" + hash.substring(0, 10);
        }
    }

    /** The metadata attribute names the template sets and boot reads (one definition, in the node contract). */
    static final NodeContract.Attributes ATTRIBUTES = NodeContract.STANDARD.attributes();

    /** The name of the template of a release: {@link TemplateSpec#name()}. */
    public static String templateName(StackConfig c, BootScripts release) {
        return TemplateSpec.of(c, release).name();
    }

    /** A stable text form: maps are sorted, strings quoted, so no two contents print alike. */
    private static String canonical(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            new TreeMap<>(m).forEach((k, x) -> sb.append(quote(String.valueOf(k))).append(':').append(canonical(x)).append(','));
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            l.forEach(x -> sb.append(canonical(x)).append(','));
            return sb.append(']').toString();
        }
        return v instanceof String s ? quote(s) : String.valueOf(v);
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** The instance metadata contract (see HELPERS-COMMON): no secrets, node-independent. */
    static Map<String, String> metadata(StackConfig c, BootScripts release) {
        Map<String, String> m = new TreeMap<>();
        String releasesBucket = c.releasesBucketName();
        m.put("startup-script", release.startupScript());
        m.put("shutdown-script", release.shutdownScript());
        m.put("enable-oslogin", "TRUE");
        m.put("block-project-ssh-keys", "TRUE");
        m.put("serial-port-enable", "FALSE");
        m.put(ATTRIBUTES.stack(), c.stack());
        m.put(ATTRIBUTES.release(), release.releaseHash());
        m.put(ATTRIBUTES.releasesBucket(), releasesBucket);
        m.put(ATTRIBUTES.recordingsBucket(), c.recordingsBucketName());
        m.put(ATTRIBUTES.eventsTopic(), c.eventsTopicName());
        m.put(ATTRIBUTES.secretPrefix(), c.prefix());
        if (c.fleet().balanced()) {
            // Boot writes it into the node include; the ilb sofia profile binds it (InternalLoadBalancer).
            m.put(ATTRIBUTES.ilbVip(), InternalLoadBalancer.vip(c));
        }
        return m;
    }

    static Map<String, String> templateLabels(StackConfig c, String releaseHash) {
        Map<String, String> labels = Common.labels(c, "fleet");
        labels.put("release", releaseHash.substring(0, 12));
        return labels;
    }

    private InstanceTemplate template(TemplateSpec spec, Args args) {
        String name = spec.name();
        return new InstanceTemplate(name, InstanceTemplateArgs.builder()
                .project(spec.project())
                .name(name)
                .description(spec.description())
                .machineType(spec.machineType())
                .disks(InstanceTemplateDiskArgs.builder()
                        .boot(true)
                        .autoDelete(spec.diskAutoDelete())
                        .sourceImage(spec.image())
                        .diskSizeGb(spec.diskSizeGb())
                        .diskType(spec.diskType())
                        .build())
                // CIS 4.8: Shielded VM.
                .shieldedInstanceConfig(InstanceTemplateShieldedInstanceConfigArgs.builder()
                        .enableSecureBoot(spec.secureBoot())
                        .enableVtpm(spec.vtpm())
                        .enableIntegrityMonitoring(spec.integrityMonitoring())
                        .build())
                // CIS 4.3/4.4/4.5: block project keys, OS Login, no serial port (metadata()).
                .metadata(new TreeMap<String, Object>(spec.metadata()))
                // CIS 4.6: no IP forwarding.
                .canIpForward(spec.canIpForward())
                // CIS 4.2 forbids full API scope for the *default* account. For a dedicated account,
                // Google's guidance is the cloud-platform scope with narrow IAM: scopes are a legacy
                // second gate that cannot express "this bucket only", IAM can and does here.
                .serviceAccount(InstanceTemplateServiceAccountArgs.builder()
                        .email(args.nodeServiceAccountEmail())
                        .scopes(spec.scopes())
                        .build())
                .tags(spec.tags())
                .labels(spec.labels())
                .networkInterfaces(InstanceTemplateNetworkInterfaceArgs.builder()
                        .subnetwork(args.subnetwork())
                        // Always an external address: SIP/RTP to the trunk. Static fleets get their
                        // reserved address through per-instance configs, which override this one.
                        .accessConfigs(InstanceTemplateNetworkInterfaceAccessConfigArgs.builder()
                                .networkTier(spec.networkTier())
                                .build())
                        .build())
                .build(), Common.childBuilder(this).deleteBeforeReplace(false).build());
    }
}
