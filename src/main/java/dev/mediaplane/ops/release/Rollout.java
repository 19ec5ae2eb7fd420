package dev.mediaplane.ops.release;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.mediaplane.ops.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Replaces the fleet's nodes one at a time: drain (through {@link NodeDrainer}), recreate through
 * the instance group ({@code recreateInstances}: the node comes back under its name, with its
 * preserved address on static fleets, from the group's current template), wait until the
 * replacement is RUNNING with nothing in progress and its liveness check HEALTHY, then the next.
 * Stops at the first node that fails to drain or to become ready.
 *
 * <p>Progress is written to a state file before every step that changes something, so a rollout
 * killed at any point resumes where it was: a node already recreated is waited for, never drained
 * or recreated twice; a node done is not touched again. The file is removed when the rollout completes.
 */
public final class Rollout {

    private Rollout() {}

    /**
     * @param all replace every node, not only those whose template is not one of the group's versions
     * @param drain drain each node first (off only with --no-drain)
     * @param drainTimeout the bound on a drain
     * @param poll time between readiness polls
     * @param readyPolls polls before a replacement that is not ready counts as failed
     */
    public record Options(boolean all, boolean drain, Duration drainTimeout, Duration poll, int readyPolls) {}

    public enum Outcome { DONE, NOTHING_TO_DO, DRAIN_FAILED, NODE_NOT_READY, DRY_RUN }

    /** What happened (or, for a dry run, would). */
    public record Report(Outcome outcome, String group, List<String> plan, List<String> replaced, Optional<String> failedNode,
                         String message, boolean resumed) {}

    /** The state file's content. */
    static final class State {
        String stack;
        String group;
        List<String> done = new ArrayList<>();
        String current;
        /** draining, recreating */
        String phase;
        String operation;
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** Where a stack's rollout state lives unless --state-file says otherwise. */
    public static Path defaultStateFile(Path projectDir, String stack) {
        return projectDir.resolve(".mediaplane").resolve("rollout-" + stack + ".json");
    }

    public static Report run(ReleaseContext ctx, ReleaseState s, Options o, Path stateFile, boolean dryRun, Progress progress,
                             Consumer<String> log) throws InterruptedException {
        String region = s.config().region();
        String groupName = ReleaseChecks.groupName(s);
        ComputeFleet fleet = ctx.fleet().apply(s.config().project());
        State st = load(stateFile).orElse(null);
        boolean resumed = st != null;
        if (st == null) {
            st = new State();
            st.stack = s.stack();
            st.group = groupName;
        } else if (!groupName.equals(st.group) || !s.stack().equals(st.stack)) {
            throw new RefusedException(stateFile + " records a rollout of " + st.stack + "/" + st.group + ", not "
                    + s.stack() + "/" + groupName + "; remove it or pass --state-file");
        }
        ComputeFleet.Group g = fleet.group(region, groupName);
        Set<String> targets = new TreeSet<>();
        g.versions().forEach(v -> targets.add(v.template()));
        List<ComputeFleet.Node> nodes = new ArrayList<>(fleet.nodes(region, groupName));
        nodes.sort(Comparator.comparing(ComputeFleet.Node::name));
        final State state = st;
        // Capacity first: never take a node down while another one is already not serving.
        for (ComputeFleet.Node n : nodes) {
            if (!n.ready() && !n.name().equals(state.current)) {
                throw new RefusedException("node " + n.name() + " is not ready (" + n.status() + ", action " + n.currentAction()
                        + ", health " + (n.health().isEmpty() ? "none" : n.health()) + "): a rollout would take a second node"
                        + " out of service; fix or wait for it first");
            }
        }
        List<ComputeFleet.Node> plan = nodes.stream()
                .filter(n -> !state.done.contains(n.name()))
                .filter(n -> o.all() || !targets.contains(n.template()) || n.name().equals(state.current))
                .toList();
        List<String> planNames = plan.stream().map(ComputeFleet.Node::name).toList();
        if (plan.isEmpty()) {
            delete(stateFile);
            return new Report(Outcome.NOTHING_TO_DO, groupName, planNames, List.of(), Optional.empty(),
                    "every node of " + groupName + " runs one of the group's templates " + targets
                            + " (pass --all to replace them anyway)", resumed);
        }
        if (dryRun) {
            List<String> calls = new ArrayList<>();
            for (ComputeFleet.Node n : plan) {
                if (!(n.name().equals(state.current) && "recreating".equals(state.phase))) {
                    if (o.drain()) {
                        calls.add("drain " + n.name() + " (bound " + o.drainTimeout().toSeconds() + "s)");
                    }
                    calls.add("POST .../regions/" + region + "/instanceGroupManagers/" + groupName
                            + "/recreateInstances {instances: [zones/" + n.zone() + "/instances/" + n.name() + "]}");
                }
                calls.add("wait until " + n.name() + " is RUNNING, action NONE, health HEALTHY (up to " + o.readyPolls()
                        + " polls every " + o.poll().toSeconds() + "s)");
            }
            return new Report(Outcome.DRY_RUN, groupName, calls, List.of(), Optional.empty(), "dry run: nothing drained or"
                    + " recreated", resumed);
        }
        List<String> replaced = new ArrayList<>();
        int i = 0;
        for (ComputeFleet.Node n : plan) {
            i++;
            String where = "[" + i + "/" + plan.size() + "] " + n.name();
            if (n.name().equals(state.current) && "recreating".equals(state.phase)) {
                log.accept(where + ": resuming: already recreated (" + state.operation + "), waiting for it");
            } else {
                state.current = n.name();
                state.phase = "draining";
                state.operation = null;
                save(stateFile, state);
                if (o.drain()) {
                    log.accept(where + ": draining (bound " + o.drainTimeout().toSeconds() + "s)");
                    try {
                        int left = ctx.drainer().drain(n.name(), o.drainTimeout());
                        log.accept(where + ": drained" + (left > 0 ? ", " + left + " call(s) still up at the bound" : ""));
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        return new Report(Outcome.DRAIN_FAILED, groupName, planNames, replaced, Optional.of(n.name()),
                                "could not drain " + n.name() + ": " + e.getMessage() + "; nothing was recreated; rerun to"
                                        + " resume", resumed);
                    }
                }
                state.operation = fleet.recreate(region, groupName, n);
                state.phase = "recreating";
                save(stateFile, state);
                log.accept(where + ": recreating (" + state.operation + ")");
            }
            ComputeFleet.Node now = n;
            boolean ready = false;
            for (int p = 1; p <= o.readyPolls(); p++) {
                ctx.sleeper().sleep(o.poll());
                now = find(fleet.nodes(region, groupName), n.name()).orElse(null);
                progress.update(where + ": " + (now == null ? "not listed yet" : now.status() + ", action " + now.currentAction()
                        + ", health " + (now.health().isEmpty() ? "-" : now.health())) + " (poll " + p + "/" + o.readyPolls() + ")");
                if (now != null && now.ready() && (o.all() || targets.contains(now.template()))) {
                    ready = true;
                    break;
                }
            }
            progress.done();
            if (!ready) {
                return new Report(Outcome.NODE_NOT_READY, groupName, planNames, replaced, Optional.of(n.name()),
                        n.name() + " did not become ready after " + o.readyPolls() + " polls (last: " + (now == null ? "not listed"
                                : now.status() + "/" + now.currentAction() + "/" + now.health()) + "); stopped before the next"
                                + " node. Fix it, then rerun to resume", resumed);
            }
            state.done.add(n.name());
            state.current = null;
            state.phase = null;
            state.operation = null;
            save(stateFile, state);
            replaced.add(n.name());
            log.accept(where + ": ready on " + now.template());
        }
        delete(stateFile);
        return new Report(Outcome.DONE, groupName, planNames, replaced, Optional.empty(), "replaced " + replaced.size()
                + " node(s) of " + groupName + " one at a time", resumed);
    }

    private static Optional<ComputeFleet.Node> find(List<ComputeFleet.Node> nodes, String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    static Optional<State> load(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            State st = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), State.class);
            if (st == null || st.group == null || st.done == null) {
                throw new RefusedException(file + " is not a rollout state file (no group or done list); remove it to start over");
            }
            return Optional.of(st);
        } catch (com.google.gson.JsonParseException e) {
            throw new RefusedException(file + " is not valid JSON (" + e.getMessage() + "); remove it to start over");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void save(Path file, State st) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            try {
                Files.writeString(tmp, GSON.toJson(st), StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rollout state " + file, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }
}
