package dev.mediaplane.ops.release;

import dev.mediaplane.config.LoadedConfig;
import dev.mediaplane.config.StackConfig;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.infra.Fleet;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The releases a stack file declares, resolved the way the program resolves them
 * ({@link Fleet.Releases#of}): the pinned stable release (or the current render), the canary (the
 * current render) when {@code releaseCanarySize > 0}, and the instance template each one gets.
 *
 * @param stack the stack name
 * @param file the stack file
 * @param text the stack file's text, as read
 * @param config the validated stack config
 * @param pinnedStable {@code mediaplane:releaseStable}; empty when the current render is stable
 * @param canarySize {@code mediaplane:releaseCanarySize}; 0 when no canary runs
 * @param currentRender the hash of this build's render of the stack (what {@code plan} and {@code pulumi up} upload)
 * @param stable the stable release's hash: the pin, else the current render
 * @param canary the canary release's hash (the current render) when a canary runs
 * @param stableTemplate the stable release's instance template name
 * @param canaryTemplate the canary's instance template name when a canary runs
 */
public record ReleaseState(String stack, Path file, String text, StackConfig config, Optional<String> pinnedStable,
                           int canarySize, String currentRender, String stable, Optional<String> canary,
                           String stableTemplate, Optional<String> canaryTemplate) {

    /** Config keys the release moves edit: the one definition the commands and their messages use. */
    public static final String STABLE_KEY = "mediaplane:releaseStable";
    public static final String CANARY_SIZE_KEY = "mediaplane:releaseCanarySize";

    /** Reads and validates {@code Pulumi.<stack>.yaml} under {@code projectDir} (ConfigException on a bad file). */
    public static ReleaseState read(Path projectDir, String stack) {
        LoadedConfig loaded = StackFileLoader.load(projectDir, stack);
        Path file = projectDir.resolve("Pulumi." + stack + ".yaml");
        try {
            return of(stack, file, Files.readString(file, StandardCharsets.UTF_8), loaded.config());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The state a stack file's text declares (validated like the file on disk: ConfigException when not). */
    public static ReleaseState parse(String stack, Path file, String text) {
        return of(stack, file, text, StackFileLoader.parse(stack, file.toString(), text).config());
    }

    private static ReleaseState of(String stack, Path file, String text, StackConfig c) {
        Bundle current = Renderer.render(c);
        Fleet.Releases releases = Fleet.Releases.of(c, current, hash -> Renderer.bootScripts(c, hash));
        return new ReleaseState(stack, file, text, c, c.release().stable(), c.release().canarySize(), current.hash(),
                releases.stable().releaseHash(), releases.canary().map(b -> b.releaseHash()),
                Fleet.templateName(c, releases.stable()), releases.canary().map(b -> Fleet.templateName(c, b)));
    }

    /** Nodes the fleet has without a canary: fleetSize, or the autoscaler's minimum. */
    public int fleetSize() {
        return config.fleet().baseSize();
    }

    /** The releases bucket the program uploads bundles to. */
    public String releasesBucket() {
        return config.releasesBucketName();
    }

    /** The instance template name the program gives {@code hash} in this stack. */
    public String templateOf(String hash) {
        return Fleet.templateName(config, Renderer.bootScripts(config, hash));
    }

    /**
     * The object the program uploads last for a release; its presence means the release is published. The
     * name is infra/RecordingStore's and startup.sh's too: render/Bundle has no constant for it to share, so
     * ManifestObjectTest pins this one to the program's plan.
     */
    public static String manifestObject(String hash) {
        return "releases/" + hash + "/MANIFEST.sha256";
    }

    /** The first 12 hex digits, as the templates' release label shows it. */
    public static String short12(String hash) {
        return hash.substring(0, Math.min(12, hash.length()));
    }
}
