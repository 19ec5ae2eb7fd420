package dev.mediaplane.render;

import dev.mediaplane.config.StackConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Renders the release bundle of a stack: the FreeSWITCH configuration and the node scripts.
 * Resource-free; components receive its bytes and never call FreeMarker.
 *
 * <p>PLACEHOLDER until the FreeSWITCH rendering issue lands: a single file so the foundation has a
 * hash to name templates by.
 */
public final class Renderer {

    private Renderer() {}

    public static Bundle render(StackConfig config) {
        String placeholder = "# mediaplane release of stack " + config.stack() + "\n"
                + "rtp " + config.rtp().startPort() + "-" + config.rtp().endPort() + "\n";
        return new Bundle(Map.of("README.release", placeholder.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The VM's startup script for a release: small (GCE metadata values are capped at 256 KiB),
     * no secrets, node-independent. It fetches {@code gs://<bucket>/releases/<hash>/}, verifies
     * it against the hash and boots it.
     *
     * <p>PLACEHOLDER until the node-boot issue lands.
     */
    public static String startupScript(StackConfig config, String releaseBucket, String releaseHash) {
        return "#!/bin/bash\n"
                + "# mediaplane bootstrap: release " + releaseHash + "\n"
                + "set -euo pipefail\n"
                + "echo \"mediaplane: release " + releaseHash + " from gs://" + releaseBucket + "/releases/" + releaseHash + "/\"\n";
    }

    /**
     * The VM's shutdown script: drains the node within GCE's shutdown window.
     *
     * <p>PLACEHOLDER until the node-boot issue lands.
     */
    public static String shutdownScript(StackConfig config) {
        return "#!/bin/bash\n# mediaplane drain (placeholder)\nexit 0\n";
    }
}
