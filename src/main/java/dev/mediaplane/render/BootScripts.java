package dev.mediaplane.render;

import java.util.Objects;

/**
 * What an instance template carries for one release: the rendered startup and shutdown scripts
 * (instance metadata) and the hash they boot. Components take this, never FreeMarker.
 *
 * @param releaseHash the release the startup script fetches and verifies
 * @param startupScript the {@code startup-script} metadata value
 * @param shutdownScript the {@code shutdown-script} metadata value
 */
public record BootScripts(String releaseHash, String startupScript, String shutdownScript) {
    public BootScripts {
        Objects.requireNonNull(releaseHash, "releaseHash");
        Objects.requireNonNull(startupScript, "startupScript");
        Objects.requireNonNull(shutdownScript, "shutdownScript");
    }
}
