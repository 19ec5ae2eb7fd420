package dev.mediaplane.infra;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import java.time.Instant;

/**
 * The Pulumi program: renders the release, declares the media plane and exports what operators
 * and the controllers need. Runs the same under {@code pulumi up} and under the plan's mock engine.
 */
public final class MediaPlaneProgram {

    /** Said instead of addresses when the fleet's addresses are ephemeral. */
    public static final String EPHEMERAL_NOTE = "ephemeral: discover node addresses through the Compute API "
            + "(instances labelled stack=<stack>,component=fleet; natIP of nic0)";

    private MediaPlaneProgram() {}

    public static void define(Context ctx, LoadedConfig config) {
        define(ctx, config, Instant.now());
    }

    /** As {@link #define(Context, LoadedConfig)} with the clock fixed (rotation schedules). */
    public static void define(Context ctx, LoadedConfig config, Instant now) {
        StackConfig c = config.config();
        dev.mediaplane.plan.Phases.mark("define");
        Bundle release = Renderer.render(c);
        dev.mediaplane.plan.Phases.mark("rendered");
        // All rendering happens here; components receive bytes.
        Fleet.Releases releases = Fleet.Releases.of(c, release, hash -> Renderer.bootScripts(c, hash));
        MediaPlane plane = new MediaPlane(c.prefix(), new MediaPlane.Args(config, release, releases, now),
                ComponentResourceOptions.builder().build());

        plane.lbAddress.ifPresent(a -> ctx.export("lbAddress", a));
        if (c.fleet().addressMode() == StackConfig.AddressMode.STATIC) {
            ctx.export("nodeAddresses", plane.nodeAddresses);
        } else {
            ctx.export("nodeAddresses", Output.of(EPHEMERAL_NOTE));
        }
        ctx.export("nodeServiceAccount", plane.nodeServiceAccount);
        ctx.export("recordingsBucket", plane.recordingsBucket);
        ctx.export("releasesBucket", plane.releasesBucket);
        ctx.export("recordingEventsTopic", plane.recordingEventsTopic);
        ctx.export("secretIds", plane.secretIds);
        ctx.export("stableRelease", Output.of(plane.stableRelease));
        ctx.export("canaryRelease", Output.of(plane.canaryRelease));
        dev.mediaplane.plan.Phases.mark("defined");
    }
}
