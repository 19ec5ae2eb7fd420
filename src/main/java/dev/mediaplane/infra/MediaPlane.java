package dev.mediaplane.infra;

import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.BootScripts;
import dev.mediaplane.render.Bundle;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole media plane of one stack: identity, network, secrets, recording store, fleet, the
 * internal load balancer when the fleet can hold several nodes, and observability.
 */
public final class MediaPlane extends Component {

    public static final String TYPE = "mediaplane:gcp:MediaPlane";

    /**
     * Inputs.
     *
     * @param config the validated stack config and its secret values
     * @param release the current render of the release bundle
     * @param releases the releases in service with their rendered boot scripts
     * @param now the clock for the secrets' rotation schedule
     */
    public record Args(LoadedConfig config, Bundle release, Fleet.Releases releases, Instant now) {
        public Args {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(release, "release");
            Objects.requireNonNull(releases, "releases");
            Objects.requireNonNull(now, "now");
        }
    }

    public final Output<String> nodeServiceAccount;
    public final Output<String> recordingsBucket;
    public final Output<String> releasesBucket;
    public final Output<String> recordingEventsTopic;
    public final Output<Map<String, String>> secretIds;
    public final Output<List<String>> nodeAddresses;
    /** Internal LB address; empty when the fleet has no balancer. */
    public final Optional<Output<String>> lbAddress;
    public final String stableRelease;
    /** Canary release hash, or empty string when there is no canary. */
    public final String canaryRelease;

    public MediaPlane(String name, Args args, ComponentResourceOptions options) {
        super(TYPE, name, options);
        StackConfig c = args.config().config();
        String prefix = c.prefix();
        // APIs first; every other resource waits for them (through its component).
        ProjectServices apis = new ProjectServices(prefix + "-apis", new ProjectServices.Args(c),
                Common.component(this, List.of()));
        var mine = Common.component(this, apis.services);

        Identity identity = new Identity(prefix + "-identity", new Identity.Args(c), mine);
        Output<String> sa = identity.nodeServiceAccountEmail;
        Network network = new Network(prefix + "-network", new Network.Args(c, sa), mine);
        Secrets secrets = new Secrets(prefix + "-secrets",
                new Secrets.Args(c, args.config().secrets(), sa, args.now()), mine);
        RecordingStore store = new RecordingStore(prefix + "-recording-store",
                new RecordingStore.Args(c, args.release(), sa), mine);
        Fleet.Releases releases = args.releases();
        // A node boots as soon as the group exists: its release objects, its grants and its
        // secret versions must exist first (components expand to their children).
        List<com.pulumi.resources.Resource> bootNeeds = new java.util.ArrayList<>(apis.services);
        bootNeeds.addAll(List.of(identity, secrets, store));
        Fleet fleet = new Fleet(prefix + "-fleet",
                new Fleet.Args(c, releases, sa, network.subnetwork), Common.component(this, bootNeeds));
        Optional<Output<String>> lb = Optional.empty();
        if (InternalLoadBalancer.wanted(c)) {
            lb = Optional.of(new InternalLoadBalancer(prefix + "-internal-lb",
                    new InternalLoadBalancer.Args(c, network.network, network.subnetwork, fleet.instanceGroup), mine).address);
        }
        new Observability(prefix + "-observability", new Observability.Args(c), mine);

        this.nodeServiceAccount = sa;
        this.recordingsBucket = store.recordingsBucket;
        this.releasesBucket = store.releasesBucket;
        this.recordingEventsTopic = store.recordingEventsTopic;
        this.secretIds = secrets.secretIds;
        this.nodeAddresses = fleet.nodeAddresses;
        this.lbAddress = lb;
        this.stableRelease = releases.stable().releaseHash();
        this.canaryRelease = releases.canary().map(BootScripts::releaseHash).orElse("");
        registerOutputs(Map.of(
                "nodeServiceAccount", nodeServiceAccount,
                "recordingsBucket", recordingsBucket,
                "releasesBucket", releasesBucket,
                "recordingEventsTopic", recordingEventsTopic,
                "secretIds", secretIds,
                "nodeAddresses", nodeAddresses,
                "lbAddress", lbAddress.orElse(Output.of("")),
                "stableRelease", Output.of(stableRelease),
                "canaryRelease", Output.of(canaryRelease)));
    }
}
