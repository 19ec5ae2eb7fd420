package dev.mediaplane.ops.release;

import java.util.List;
import java.util.Optional;

/** The online checks of canary start: which release is serving, and that it is published. */
public final class ReleaseChecks {

    private ReleaseChecks() {}

    /** The regional instance group of a stack's fleet, as infra/Fleet names it. */
    public static String groupName(ReleaseState s) {
        return s.config().prefix() + "-nodes";
    }

    /**
     * The release now serving: the pin when there is one, else {@code --stable}, else (online) the
     * release the instance group's stable version carries. Offline with neither: refused, never guessed.
     */
    public static String serving(ReleaseContext ctx, ReleaseState s, Optional<String> flag, boolean offline, List<String> checks) {
        flag.ifPresent(h -> {
            if (!h.matches("[0-9a-f]{64}")) {
                throw new RefusedException("--stable must be a release hash (64 lowercase hex characters), got '" + h + "'");
            }
        });
        if (s.pinnedStable().isPresent()) {
            checks.add("the serving release is pinned: " + ReleaseState.STABLE_KEY + " = " + s.pinnedStable().get());
            if (flag.isPresent() && !flag.get().equals(s.pinnedStable().get())) {
                throw new RefusedException("--stable " + flag.get() + " disagrees with " + ReleaseState.STABLE_KEY + " "
                        + s.pinnedStable().get() + " in " + s.file().getFileName());
            }
        }
        Optional<String> online = Optional.empty();
        if (!offline) {
            ComputeFleet fleet = ctx.fleet().apply(s.config().project());
            ComputeFleet.Group g = fleet.group(s.config().region(), groupName(s));
            if (g.versions().size() != 1) {
                throw new RefusedException("instance group " + g.name() + " runs " + g.versions().size() + " versions "
                        + g.versions().stream().map(ComputeFleet.Version::name).toList() + "; a canary start needs exactly one"
                        + " (the stable release): promote or rollback the running canary first");
            }
            String template = g.versions().get(0).template();
            String hash = fleet.releaseOf(template).orElseThrow(() -> new RefusedException("instance template " + template
                    + " of group " + g.name() + " carries no " + dev.mediaplane.render.NodeContract.STANDARD.attributes().release()
                    + " metadata: it was not made by this program"));
            checks.add("instance group " + g.name() + " serves " + hash + " (template " + template + ")");
            online = Optional.of(hash);
        }
        String serving = s.pinnedStable().or(() -> flag).orElse(null);
        if (serving == null) {
            serving = online.orElseThrow(() -> new RefusedException("offline, the release now serving is unknown and "
                    + ReleaseState.STABLE_KEY + " is not set: pass --stable HASH (the stack's stableRelease output:"
                    + " `pulumi stack output stableRelease --stack " + s.stack() + "`), or drop --offline"));
        }
        if (online.isPresent() && !online.get().equals(serving)) {
            throw new RefusedException("the instance group serves " + online.get() + ", not " + serving
                    + (s.pinnedStable().isPresent() ? " (" + ReleaseState.STABLE_KEY + ")" : " (--stable)")
                    + ": run `pulumi up` for the pin first, or pin what is serving");
        }
        return serving;
    }

    /** Refuses unless {@code hash}'s manifest is in the releases bucket (a node could not boot it otherwise). */
    public static void requirePublished(ReleaseContext ctx, ReleaseState s, String hash, List<String> checks) {
        String bucket = s.releasesBucket();
        if (!ctx.releaseStore().apply(s.config().project()).published(bucket, hash)) {
            throw new RefusedException("the stable release " + hash + " is not published: gs://" + bucket + "/"
                    + ReleaseState.manifestObject(hash) + " does not exist, so nodes could not boot it;"
                    + " pin a release that was deployed");
        }
        checks.add("the stable release is published: gs://" + bucket + "/" + ReleaseState.manifestObject(hash));
    }

    /**
     * Promote's online check: the group's canary version runs the release this build renders, so
     * promote puts on every node exactly what the canary nodes were tested with.
     */
    public static void requireCanaryDeployed(ReleaseContext ctx, ReleaseState s, List<String> checks) {
        ComputeFleet fleet = ctx.fleet().apply(s.config().project());
        ComputeFleet.Group g = fleet.group(s.config().region(), groupName(s));
        ComputeFleet.Version canary = g.versions().stream().filter(v -> v.name().equals("canary")).findFirst()
                .orElseThrow(() -> new RefusedException("instance group " + g.name() + " runs no canary version: the canary"
                        + " in " + s.file().getFileName() + " was never applied (`pulumi up`), so there is nothing tested to promote"));
        String running = fleet.releaseOf(canary.template()).orElse("none");
        if (!running.equals(s.canary().orElseThrow())) {
            throw new RefusedException("the canary nodes run " + running + " but this build renders " + s.canary().get()
                    + ": promote would put an untested release on every node; build from the commit the canary was started"
                    + " from, or rollback and start a new canary");
        }
        checks.add("the canary version of " + g.name() + " runs " + ReleaseState.short12(running) + ", the release promoted");
    }
}
