package dev.mediaplane.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mediaplane.ops.release.ComputeFleet;
import dev.mediaplane.ops.release.ReleaseChecks;
import dev.mediaplane.ops.release.ReleaseContext;
import dev.mediaplane.ops.release.ReleaseState;
import dev.mediaplane.ops.release.ReleaseStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code mediaplane release status}: declared, published and running releases of a stack. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "The stable and canary releases of a stack: their hashes and instance templates from Pulumi.<stack>.yaml and"
                    + " this build's render; online (default), whether each is published in the releases bucket"
                    + " (its MANIFEST.sha256 object) and which nodes of the instance group run which release, with"
                    + " their health. Uses application default credentials; --offline asks no API.",
            "",
            "Examples:",
            "  mediaplane release status --stack prod",
            "  mediaplane release status --stack prod --json | jq '.nodes[] | select(.role==\"canary\")'",
            "  mediaplane release status --stack dev --offline",
            "  mediaplane release status --stack prod --dry-run"
        })
public final class ReleaseStatusCommand implements Callable<Integer> {

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    @Mixin
    CommonOptions common;

    @Option(names = "--offline", description = "Only what the stack file and the render say; ask no Google API.")
    boolean offline;

    @Option(names = "--dry-run", description = "Print the API calls it would make; call nothing.")
    boolean dryRun;

    @ParentCommand
    ReleaseCommand parent;

    @Spec
    CommandSpec spec;

    /** One node as status reports it. */
    record NodeRow(ComputeFleet.Node node, String release, String role) {}

    @Override
    public Integer call() throws Exception {
        return ReleaseSupport.guarded(spec, () -> {
            ReleaseContext ctx = parent.context;
            ReleaseState s = ReleaseState.read(ReleaseSupport.projectDir(spec), stack.stackName());
            if (dryRun) {
                PrintWriter out = spec.commandLine().getOut();
                String p = "projects/" + s.config().project();
                List<String> calls = new ArrayList<>();
                calls.add("storage: GET b/" + s.releasesBucket() + "/o/" + ReleaseState.manifestObject(s.stable()));
                s.canary().ifPresent(c -> calls.add("storage: GET b/" + s.releasesBucket() + "/o/" + ReleaseState.manifestObject(c)));
                calls.add("compute: GET " + p + "/regions/" + s.config().region() + "/instanceGroupManagers/" + ReleaseChecks.groupName(s));
                calls.add("compute: POST " + p + "/regions/" + s.config().region() + "/instanceGroupManagers/"
                        + ReleaseChecks.groupName(s) + "/listManagedInstances (every page)");
                calls.add("compute: GET " + p + "/global/instanceTemplates/<each template in use>");
                if (output.json) {
                    JsonObject o = new JsonObject();
                    o.addProperty("stack", s.stack());
                    o.addProperty("dryRun", true);
                    JsonArray a = new JsonArray();
                    calls.forEach(a::add);
                    o.add("calls", a);
                    out.print(ReleaseSupport.json(o));
                } else {
                    out.println("dry run: release status on stack " + s.stack() + " would call:");
                    calls.forEach(c -> out.println("  " + c));
                }
                out.flush();
                return ExitCode.OK.code();
            }
            Map<String, Optional<Boolean>> published = new LinkedHashMap<>();
            List<NodeRow> rows = new ArrayList<>();
            List<ComputeFleet.Version> versions = new ArrayList<>();
            Map<String, String> versionRelease = new LinkedHashMap<>();
            if (!offline) {
                ReleaseStore store = ctx.releaseStore().apply(s.config().project());
                published.put(s.stable(), Optional.of(store.published(s.releasesBucket(), s.stable())));
                s.canary().ifPresent(c -> published.put(c, Optional.of(store.published(s.releasesBucket(), c))));
                ComputeFleet fleet = ctx.fleet().apply(s.config().project());
                String group = ReleaseChecks.groupName(s);
                ComputeFleet.Group g = fleet.group(s.config().region(), group);
                versions.addAll(g.versions());
                for (ComputeFleet.Version v : g.versions()) {
                    versionRelease.put(v.name(), fleet.releaseOf(v.template()).orElse("?"));
                }
                for (ComputeFleet.Node n : fleet.nodes(s.config().region(), group)) {
                    String release = n.template().isEmpty() ? "?" : fleet.releaseOf(n.template()).orElse("?");
                    String role = release.equals(s.stable()) ? "stable"
                            : s.canary().map(release::equals).orElse(false) ? "canary" : "other";
                    rows.add(new NodeRow(n, release, role));
                }
            } else {
                published.put(s.stable(), Optional.empty());
                s.canary().ifPresent(c -> published.put(c, Optional.empty()));
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json) {
                JsonObject o = new JsonObject();
                o.addProperty("stack", s.stack());
                o.addProperty("online", !offline);
                o.add("releases", ReleaseSupport.releases(s));
                o.addProperty("releasesBucket", s.releasesBucket());
                JsonObject pub = new JsonObject();
                published.forEach((h, p) -> pub.addProperty(h, p.orElse(null)));
                o.add("published", pub);
                JsonArray vs = new JsonArray();
                versions.forEach(v -> {
                    JsonObject x = new JsonObject();
                    x.addProperty("name", v.name());
                    x.addProperty("template", v.template());
                    x.addProperty("release", versionRelease.get(v.name()));
                    x.addProperty("targetSize", v.targetSize().orElse(null));
                    vs.add(x);
                });
                o.add("versions", offline ? null : vs);
                JsonArray ns = new JsonArray();
                rows.forEach(r -> {
                    JsonObject x = new JsonObject();
                    x.addProperty("name", r.node().name());
                    x.addProperty("zone", r.node().zone());
                    x.addProperty("status", r.node().status());
                    x.addProperty("action", r.node().currentAction());
                    x.addProperty("template", r.node().template());
                    x.addProperty("release", r.release());
                    x.addProperty("role", r.role());
                    x.addProperty("health", r.node().health().isEmpty() ? null : r.node().health());
                    ns.add(x);
                });
                o.add("nodes", offline ? null : ns);
                out.print(ReleaseSupport.json(o));
            } else {
                out.printf("stack %s: releases bucket gs://%s%n", s.stack(), s.releasesBucket());
                out.printf("  stable  %s  %s  template %s%s%n", s.stable(), s.pinnedStable().isPresent() ? "(pinned)"
                        : "(current render)", s.stableTemplate(), pub(published.get(s.stable())));
                if (s.canary().isPresent()) {
                    out.printf("  canary  %s  on %d node(s)  template %s%s%n", s.canary().get(), s.canarySize(),
                            s.canaryTemplate().orElseThrow(), pub(published.get(s.canary().get())));
                } else {
                    out.println("  canary  none");
                }
                if (!s.currentRender().equals(s.stable()) && s.canary().isEmpty()) {
                    out.printf("  current render %s is not deployed by this stack file (releaseStable pins %s)%n",
                            s.currentRender(), ReleaseState.short12(s.stable()));
                }
                if (offline) {
                    out.println("  offline: publication and nodes not asked");
                } else {
                    for (ComputeFleet.Version v : versions) {
                        out.printf("  group version %-7s template %s release %s%s%n", v.name(), v.template(),
                                ReleaseState.short12(versionRelease.get(v.name())),
                                v.targetSize().map(n -> " on " + n + " node(s)").orElse(""));
                    }
                    out.printf("  %-28s %-16s %-10s %-10s %-12s %-7s %s%n", "NODE", "ZONE", "STATUS", "ACTION", "RELEASE",
                            "ROLE", "HEALTH");
                    for (NodeRow r : rows) {
                        out.printf("  %-28s %-16s %-10s %-10s %-12s %-7s %s%n", r.node().name(), r.node().zone(),
                                r.node().status(), r.node().currentAction(), ReleaseState.short12(r.release()), r.role(),
                                r.node().health().isEmpty() ? "-" : r.node().health());
                    }
                }
            }
            out.flush();
            return ExitCode.OK.code();
        });
    }

    private static String pub(Optional<Boolean> p) {
        return p.isEmpty() ? "" : p.get() ? "  published" : "  NOT PUBLISHED";
    }
}
