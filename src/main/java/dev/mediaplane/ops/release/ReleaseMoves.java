package dev.mediaplane.ops.release;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.mediaplane.ops.release.StackFileEditor.Change;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The three release moves as edits of the stack file, each refused when unsafe:
 * <ul>
 *   <li>canary start: pin the release now serving as {@code releaseStable}, run the current render
 *       on N nodes ({@code releaseCanarySize = N});
 *   <li>promote: the canary becomes stable everywhere (both keys removed: the current render is stable);
 *   <li>rollback: drop the canary ({@code releaseCanarySize} removed, {@code releaseStable} kept), so its
 *       nodes return to the stable release's template, unchanged.
 * </ul>
 * Every move is checked by re-reading the edited file as the program will (validation, releases,
 * template names), before anything is written.
 */
public final class ReleaseMoves {

    private ReleaseMoves() {}

    /**
     * A planned move.
     *
     * @param command the command's name (canary start, promote, rollback)
     * @param before the stack as it is
     * @param changes the key edits
     * @param after the stack as the edited file declares it
     * @param checks what was verified before the move was allowed, in order
     */
    public record Move(String command, ReleaseState before, List<Change> changes, ReleaseState after, List<String> checks) {
        public Move {
            changes = List.copyOf(changes);
            checks = List.copyOf(checks);
        }

        /** A unified diff of the stack file; empty when nothing changes. */
        public String diff() {
            List<String> a = before.text().lines().toList();
            List<String> b = after.text().lines().toList();
            String name = before.file().getFileName().toString();
            List<String> lines = UnifiedDiffUtils.generateUnifiedDiff("a/" + name, "b/" + name, a, DiffUtils.diff(a, b), 2);
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }

        /** Writes the edited file beside the old one and moves it into place, so no reader sees half a file. */
        public void write() {
            Path file = before.file().toAbsolutePath();
            try {
                // The file changed since it was read (another operator, a git pull): refuse rather than overwrite it.
                if (!Files.readString(file, StandardCharsets.UTF_8).equals(before.text())) {
                    throw new RefusedException(file + " changed while this command ran; run it again");
                }
                Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".tmp");
                try {
                    Files.writeString(tmp, after.text(), StandardCharsets.UTF_8);
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    /**
     * Canary start. {@code serving} is the release now serving (the pin, {@code --stable}, or what the
     * instance group runs); {@code checks} lists what the caller verified online.
     */
    public static Move canaryStart(ReleaseState s, int size, String serving, List<String> checks) {
        List<String> done = new ArrayList<>(checks);
        requireNoCanary(s);
        if (size < 1) {
            throw new RefusedException("--size must be at least 1 (the canary's nodes), got " + size);
        }
        if (size >= s.fleetSize()) {
            throw new RefusedException("--size " + size + " must be smaller than the fleet (" + s.fleetSize() + " node"
                    + (s.fleetSize() == 1 ? "" : "s") + ") so the stable release keeps serving; allowed: 1.."
                    + (s.fleetSize() - 1));
        }
        done.add("no canary runs (" + ReleaseState.CANARY_SIZE_KEY + " is 0)");
        done.add("canary size " + size + " < fleet size " + s.fleetSize());
        if (s.pinnedStable().isPresent() && !s.pinnedStable().get().equals(serving)) {
            throw new RefusedException(ReleaseState.STABLE_KEY + " pins " + s.pinnedStable().get() + " but the release"
                    + " serving is " + serving + "; fix the pin (or --stable) first");
        }
        if (serving.equals(s.currentRender())) {
            throw new RefusedException("the current render " + serving + " is the release now serving: there is nothing"
                    + " to canary; change templates/, startup-scripts/ or the stack's settings first");
        }
        done.add("the canary " + ReleaseState.short12(s.currentRender()) + " differs from the stable release "
                + ReleaseState.short12(serving));
        List<Change> changes = List.of(
                Change.set(ReleaseState.STABLE_KEY, serving, ReleaseState.CANARY_SIZE_KEY),
                Change.set(ReleaseState.CANARY_SIZE_KEY, size, ReleaseState.STABLE_KEY));
        Move m = edit("canary start", s, changes, done);
        if (!m.after().stableTemplate().equals(s.templateOf(serving))) {
            throw new IllegalStateException("after the edit the stable template is " + m.after().stableTemplate()
                    + ", not the serving release's " + s.templateOf(serving));
        }
        return m;
    }

    /** Promote: the canary (the current render) becomes stable on every node. */
    public static Move promote(ReleaseState s) {
        requireCanary(s, "promote");
        List<String> done = new ArrayList<>(List.of("a canary runs: " + s.canarySize() + " node(s) on "
                + ReleaseState.short12(s.canary().orElseThrow())));
        Move m = edit("promote", s, List.of(Change.remove(ReleaseState.STABLE_KEY), Change.remove(ReleaseState.CANARY_SIZE_KEY)), done);
        // The canary's nodes keep their template: promote must not touch them.
        if (!m.after().stableTemplate().equals(s.canaryTemplate().orElseThrow()) || m.after().canary().isPresent()) {
            throw new IllegalStateException("after promote the stable template would be " + m.after().stableTemplate()
                    + ", not the canary's " + s.canaryTemplate().orElseThrow());
        }
        return new Move(m.command(), s, m.changes(), m.after(), append(done, "after the edit every node runs the canary's"
                + " template " + m.after().stableTemplate()));
    }

    /** Rollback: the canary's nodes return to the stable release, same hash and same template. */
    public static Move rollback(ReleaseState s) {
        requireCanary(s, "rollback");
        List<String> done = new ArrayList<>(List.of("a canary runs: " + s.canarySize() + " node(s) on "
                + ReleaseState.short12(s.canary().orElseThrow())));
        Move m = edit("rollback", s, List.of(Change.remove(ReleaseState.CANARY_SIZE_KEY)), done);
        if (!m.after().stable().equals(s.stable()) || !m.after().stableTemplate().equals(s.stableTemplate())
                || m.after().canary().isPresent()) {
            throw new IllegalStateException("after rollback the stable release would be " + m.after().stable() + " ("
                    + m.after().stableTemplate() + "), not " + s.stable() + " (" + s.stableTemplate() + ")");
        }
        return new Move(m.command(), s, m.changes(), m.after(), append(done, "after the edit every node runs the stable"
                + " template " + s.stableTemplate() + " (release " + ReleaseState.short12(s.stable()) + ", unchanged)"));
    }

    private static List<String> append(List<String> l, String s) {
        List<String> out = new ArrayList<>(l);
        out.add(s);
        return out;
    }

    private static void requireNoCanary(ReleaseState s) {
        if (s.canarySize() > 0) {
            throw new RefusedException("a canary already runs: " + s.canarySize() + " node(s) on "
                    + ReleaseState.short12(s.canary().orElseThrow()) + " beside stable " + ReleaseState.short12(s.stable())
                    + "; promote or rollback it first");
        }
    }

    private static void requireCanary(ReleaseState s, String command) {
        if (s.canarySize() == 0) {
            throw new RefusedException("no canary runs on stack " + s.stack() + " (" + ReleaseState.CANARY_SIZE_KEY
                    + " is 0): nothing to " + command + (s.pinnedStable().isPresent() ? "; every node runs "
                    + ReleaseState.short12(s.stable()) : ""));
        }
    }

    private static Move edit(String command, ReleaseState s, List<Change> changes, List<String> checks) {
        String text = StackFileEditor.of(s.text()).apply(changes);
        ReleaseState after = ReleaseState.parse(s.stack(), s.file(), text);
        return new Move(command, s, changes, after, checks);
    }
}
