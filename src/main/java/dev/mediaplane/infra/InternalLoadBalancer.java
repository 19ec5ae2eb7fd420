package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.gcp.compute.Address;
import com.pulumi.gcp.compute.AddressArgs;
import com.pulumi.gcp.compute.ForwardingRule;
import com.pulumi.gcp.compute.ForwardingRuleArgs;
import com.pulumi.gcp.compute.HealthCheck;
import com.pulumi.gcp.compute.HealthCheckArgs;
import com.pulumi.gcp.compute.RegionBackendService;
import com.pulumi.gcp.compute.RegionBackendServiceArgs;
import com.pulumi.gcp.compute.inputs.HealthCheckHttpHealthCheckArgs;
import com.pulumi.gcp.compute.inputs.RegionBackendServiceBackendArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.StackConfig;
import java.util.Map;
import java.util.Objects;

/**
 * The controllers' single address for new calls to a fleet of several nodes: an internal
 * passthrough TCP load balancer for internal SIP, steered by the readiness check (which fails while
 * a node drains, so new calls stop going there while its calls finish). Not ESL: a controller must
 * talk to the node that holds the call, which it discovers (controllerServiceAccount), directly.
 *
 * <p>Passthrough: packets reach the node still addressed to the forwarding rule's IP (the guest
 * agent routes it as a local address), so the node's {@code ilb} sofia profile listens on exactly
 * that address; the template carries it as {@code mediaplane-ilb-vip}.
 *
 * <p>Never RTP (media goes straight to the node's external address) and never the external TLS
 * port (the trunk reaches nodes directly): an internal LB cannot serve the internet anyway, and a
 * passthrough LB keeps TCP flows on a draining backend but not UDP.
 */
public final class InternalLoadBalancer extends Component {

    public static final String TYPE = "mediaplane:gcp:InternalLoadBalancer";

    /**
     * Inputs.
     *
     * @param config the stack; ports, health port and drain timeout come from it
     * @param network the VPC of the forwarding rule
     * @param subnetwork the subnet the internal address is reserved in
     * @param instanceGroup the fleet's instance group, the only backend
     */
    public record Args(StackConfig config, Output<String> network, Output<String> subnetwork, Output<String> instanceGroup) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(subnetwork, "subnetwork");
            Objects.requireNonNull(instanceGroup, "instanceGroup");
        }
    }

    /** Whether a fleet needs the balancer: it can hold more than one node. */
    public static boolean wanted(StackConfig c) {
        return c.fleet().balanced();
    }

    /** The balancer's fixed address (networkIlbAddress); an error when the fleet has none. */
    public static String vip(StackConfig c) {
        return c.network().ilbAddress().orElseThrow(() -> new IllegalStateException(
                "mediaplane:networkIlbAddress is unset for a fleet with an internal load balancer"));
    }

    /** The internal address controllers connect to. */
    public final Output<String> address;

    public InternalLoadBalancer(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config();
        String prefix = c.prefix();

        HealthCheck readiness = new HealthCheck(prefix + "-ready", HealthCheckArgs.builder()
                .project(c.project())
                .name(prefix + "-ready")
                .description("Readiness (load balancing): alive, SIP profiles running, not draining.")
                .checkIntervalSec(5)
                .timeoutSec(3)
                .healthyThreshold(2)
                .unhealthyThreshold(2)
                .httpHealthCheck(HealthCheckHttpHealthCheckArgs.builder()
                        .port(c.fleet().healthPort())
                        .requestPath("/ready")
                        .build())
                .build(), Common.child(this));

        RegionBackendService backend = new RegionBackendService(prefix + "-ilb", RegionBackendServiceArgs.builder()
                .project(c.project())
                .name(prefix + "-ilb")
                .region(c.region())
                .description("mediaplane " + c.stack() + ": internal SIP to ready nodes")
                .loadBalancingScheme("INTERNAL")
                .protocol("TCP")
                .healthChecks(readiness.id())
                // Established SIP connections to a draining node get the whole drain window.
                .connectionDrainingTimeoutSec(c.fleet().drainTimeoutSec())
                .backends(RegionBackendServiceBackendArgs.builder()
                        .group(args.instanceGroup())
                        .balancingMode("CONNECTION")
                        .build())
                .build(), Common.child(this));

        Address vip = new Address(prefix + "-ilb-ip", AddressArgs.builder()
                .project(c.project())
                .name(prefix + "-ilb-ip")
                .region(c.region())
                .addressType("INTERNAL")
                .purpose("GCE_ENDPOINT")
                // Fixed, not allocated: the node template carries it (the node contract's ilbVip attribute) so the ilb
                // sofia profile can bind it before the forwarding rule exists.
                .address(vip(c))
                .subnetwork(args.subnetwork())
                .description("mediaplane " + c.stack() + ": controllers' address of the node fleet")
                .labels(Common.labels(c, "ilb"))
                .build(), Common.child(this));

        new ForwardingRule(prefix + "-ilb-control", ForwardingRuleArgs.builder()
                .project(c.project())
                .name(prefix + "-ilb-control")
                .region(c.region())
                .description("internal SIP only: ESL is per node, controllers reach the node holding the call")
                .loadBalancingScheme("INTERNAL")
                .ipProtocol("TCP")
                .ipAddress(vip.address())
                .network(args.network())
                .subnetwork(args.subnetwork())
                .ports(String.valueOf(c.controller().internalSipPort()))
                .backendService(backend.id())
                .labels(Common.labels(c, "ilb"))
                .build(), Common.child(this));

        this.address = vip.address();
        registerOutputs(Map.of("address", address));
    }
}
