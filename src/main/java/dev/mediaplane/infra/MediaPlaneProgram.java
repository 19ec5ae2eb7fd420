package dev.mediaplane.infra;

import com.pulumi.Context;
import dev.mediaplane.config.LoadedConfig;

/** Stub so Main compiles on the cli branch; the infra branch replaces it with the real program. */
public final class MediaPlaneProgram {

    private MediaPlaneProgram() {}

    public static void define(Context ctx, LoadedConfig config) {
        throw new UnsupportedOperationException("MediaPlaneProgram is being built on the infra branch");
    }
}
