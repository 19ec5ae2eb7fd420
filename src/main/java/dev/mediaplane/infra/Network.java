package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.compute.ComputeFunctions;
import com.pulumi.gcp.compute.Firewall;
import com.pulumi.gcp.compute.FirewallArgs;
import com.pulumi.gcp.compute.Subnetwork;
import com.pulumi.gcp.compute.SubnetworkArgs;
import com.pulumi.gcp.compute.inputs.FirewallAllowArgs;
import com.pulumi.gcp.compute.inputs.GetSubnetworkArgs;
import com.pulumi.gcp.compute.outputs.GetSubnetworkResult;
import com.pulumi.gcp.compute.inputs.FirewallDenyArgs;
import com.pulumi.gcp.compute.inputs.FirewallLogConfigArgs;
import com.pulumi.gcp.compute.inputs.SubnetworkLogConfigArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.StackConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the nodes live and what may reach them: a dedicated custom-mode VPC and subnet (or an
 * existing pair from config) and the ingress firewall of the node service account.
 *
 * <p>No Cloud NAT: every node has an external address (SIP and RTP need a public, stable source
 * towards the trunk), so egress never needs a NAT gateway.
 *
 * <p>Every rule targets the node service account, not tags: a tag can be added to any VM by
 * anyone who can edit it, the service account cannot be changed on a running VM. Every rule has
 * explicit sources, an explicit priority and logging on (CIS 3.x, CKV_GCP_106 and friends).
 */
public final class Network extends Component {

    public static final String TYPE = "mediaplane:gcp:Network";

    /** Google's health-check probe ranges (load balancers and autohealing). */
    public static final List<String> HEALTH_CHECK_RANGES = List.of("35.191.0.0/16", "130.211.0.0/22");

    /** The range IAP TCP forwarding connects from. */
    public static final List<String> IAP_RANGES = List.of("35.235.240.0/20");

    static final int ALLOW_PRIORITY = 1000;
    /** Where the speech-to-text providers are: anywhere (neither Deepgram nor AssemblyAI publishes ranges). */
    public static final List<String> STT_DESTINATIONS = List.of("0.0.0.0/0");

    /** Below every allow rule, above the implied deny (65535) so it shows up in logs. */
    static final int DENY_PRIORITY = 65000;

    /**
     * Inputs.
     *
     * @param config the stack; network mode, CIDRs and ports come from it
     * @param nodeServiceAccountEmail the account every rule targets
     */
    public record Args(StackConfig config, Output<String> nodeServiceAccountEmail) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(nodeServiceAccountEmail, "nodeServiceAccountEmail");
        }
    }

    /** VPC self-link (or the configured existing name). */
    public final Output<String> network;
    /** Subnetwork self-link (or the configured existing name). */
    public final Output<String> subnetwork;

    public Network(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();

        if (c.network().mode() == StackConfig.NetworkMode.DEDICATED) {
            var vpc = new com.pulumi.gcp.compute.Network(prefix + "-vpc", com.pulumi.gcp.compute.NetworkArgs.builder()
                    .project(c.project())
                    .name(prefix + "-vpc")
                    .description("mediaplane " + c.stack() + ": FreeSWITCH nodes")
                    .autoCreateSubnetworks(false)
                    .routingMode("REGIONAL")
                    .build(), Common.child(this));
            var subnet = new Subnetwork(prefix + "-subnet", SubnetworkArgs.builder()
                    .project(c.project())
                    .name(prefix + "-subnet")
                    .region(c.region())
                    .network(vpc.selfLink())
                    .ipCidrRange(c.network().subnetCidr())
                    // Nodes reach Google APIs (GCS, Secret Manager) on internal routes.
                    .privateIpGoogleAccess(true)
                    // CIS 3.8: flow logs on every subnet.
                    .logConfig(SubnetworkLogConfigArgs.builder()
                            .aggregationInterval("INTERVAL_5_SEC")
                            .flowSampling(0.5)
                            .metadata("INCLUDE_ALL_METADATA")
                            .build())
                    .build(), Common.child(this));
            this.network = vpc.selfLink();
            this.subnetwork = subnet.selfLink();
        } else {
            String subnetRef = c.network().subnetwork().orElseThrow();
            this.subnetwork = Output.of(subnetRef);
            // The firewall needs the VPC; without networkVpc, ask GCP which VPC the subnet is in.
            this.network = c.network().vpc().map(Output::of).orElseGet(() -> {
                var lookup = GetSubnetworkArgs.builder().project(c.project()).region(c.region());
                if (subnetRef.startsWith("projects/")) {
                    lookup.selfLink(subnetRef);
                } else {
                    lookup.name(subnetRef);
                }
                return ComputeFunctions.getSubnetwork(lookup.build()).applyValue(GetSubnetworkResult::network);
            });
        }

        Output<List<String>> targets = args.nodeServiceAccountEmail().applyValue(List::of);
        FirewallLogConfigArgs logs = FirewallLogConfigArgs.builder().metadata("INCLUDE_ALL_METADATA").build();

        allow(prefix + "-allow-sip-tls", "SIP over TLS from the trunk's signalling ranges", c.trunk().signalingCidrs(),
                "tcp", List.of(String.valueOf(c.trunk().sipTlsPort())), targets, logs, c);
        allow(prefix + "-allow-rtp", "RTP from the trunk's media ranges", c.trunk().mediaCidrs(),
                // To the RTCP port of the last even RTP port FreeSWITCH hands out (Rtp.lastUdpPort()).
                "udp", List.of(c.rtp().startPort() + "-" + c.rtp().lastUdpPort()), targets, logs, c);
        allow(prefix + "-allow-controller", "ESL and internal SIP from the controllers only", c.controller().cidrs(),
                "tcp", List.of(String.valueOf(c.controller().eslPort()), String.valueOf(c.controller().internalSipPort())),
                targets, logs, c);
        // The node agent's port (/metrics, /live, /ready): the controllers' Prometheus scrapes each node directly.
        allow(prefix + "-allow-controller-metrics", "the node agent's metrics and health from the controllers only",
                c.controller().cidrs(), "tcp", List.of(String.valueOf(c.fleet().healthPort())), targets, logs, c);
        allow(prefix + "-allow-health-checks", "Google health-check probes to the health endpoints only", HEALTH_CHECK_RANGES,
                "tcp", List.of(String.valueOf(c.fleet().healthPort())), targets, logs, c);
        if (c.fleet().ssh()) {
            // CIS 3.6/3.10: SSH only through IAP, never from the internet.
            allow(prefix + "-allow-iap-ssh", "SSH through IAP only", IAP_RANGES, "tcp", List.of("22"), targets, logs, c);
        }
        // The streaming bridge's websockets to Deepgram and AssemblyAI. Neither publishes fixed address ranges (both
        // sit behind CDNs/cloud load balancers), so the destination is 0.0.0.0/0 on tcp/443 only. GCP's implied
        // egress rule allows it already; this rule says so explicitly and logs every connection (who streamed where).
        new Firewall(prefix + "-allow-egress-stt", FirewallArgs.builder()
                .project(c.project())
                .name(prefix + "-allow-egress-stt")
                .description("mediaplane " + c.stack() + ": speech-to-text websockets (Deepgram, AssemblyAI) over TLS;"
                        + " the providers publish no fixed ranges, so any destination on tcp/443")
                .network(network)
                .direction("EGRESS")
                .priority(ALLOW_PRIORITY)
                .allows(FirewallAllowArgs.builder().protocol("tcp").ports(List.of("443")).build())
                .destinationRanges(STT_DESTINATIONS)
                .targetServiceAccounts(targets)
                .logConfig(logs)
                .build(), Common.child(this));
        // Explicit, logged deny-all below the allows: the implied deny is not logged, and this keeps
        // a broad allow in a shared VPC from reaching the nodes unnoticed at a lower priority.
        new Firewall(prefix + "-deny-all-ingress", FirewallArgs.builder()
                .project(c.project())
                .name(prefix + "-deny-all-ingress")
                .description("mediaplane " + c.stack() + ": everything else to the nodes is denied")
                .network(network)
                .direction("INGRESS")
                .priority(DENY_PRIORITY)
                .denies(FirewallDenyArgs.builder().protocol("all").build())
                .sourceRanges("0.0.0.0/0")
                .targetServiceAccounts(targets)
                .logConfig(logs)
                .build(), Common.child(this));

        registerOutputs(Map.of("network", network, "subnetwork", subnetwork));
    }

    private void allow(String ruleName, String why, List<String> sources, String protocol, List<String> ports,
                       Output<List<String>> targets, FirewallLogConfigArgs logs, StackConfig c) {
        new Firewall(ruleName, FirewallArgs.builder()
                .project(c.project())
                .name(ruleName)
                .description("mediaplane " + c.stack() + ": " + why)
                .network(network)
                .direction("INGRESS")
                .priority(ALLOW_PRIORITY)
                .allows(FirewallAllowArgs.builder().protocol(protocol).ports(ports).build())
                .sourceRanges(sources)
                .targetServiceAccounts(targets)
                .logConfig(logs)
                .build(), Common.child(this));
    }
}
