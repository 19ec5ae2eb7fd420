package dev.mediaplane.diff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The base of a diff as a directory: a directory as given, or a git ref exported into a temporary
 * directory ({@code git archive <commit>:<project path> | tar -x}, so the repository's worktrees and
 * index stay untouched), deleted on {@link #close()}.
 */
public final class BaseCheckout implements AutoCloseable {

    private final Path root;
    private final Path temp;
    /** What the base is, for messages: {@code directory DIR} or {@code ref REF (commit)}. */
    private final String description;

    private BaseCheckout(Path root, Path temp, String description) {
        this.root = root;
        this.temp = temp;
        this.description = description;
    }

    public Path root() {
        return root;
    }

    public String description() {
        return description;
    }

    /**
     * {@code base} as a directory when one exists at that path (relative to the current directory),
     * otherwise as a git ref of the repository holding {@code projectDir}.
     */
    public static BaseCheckout of(String base, Path projectDir) {
        Path dir = Path.of(base);
        if (Files.isDirectory(dir)) {
            return new BaseCheckout(dir, null, "directory " + dir);
        }
        if (base.isEmpty() || base.startsWith("-") || base.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("--base must be a directory or a git ref (branch, tag, commit), got '"
                    + printable(base) + "'");
        }
        String commit = git(projectDir, "rev-parse", "--verify", "--quiet", "--end-of-options", base + "^{commit}").strip();
        // The project's path inside its repository ("" at the top): the ref's copy of that directory is the base.
        String prefix = run(List.of("git", "-C", projectDir.toString(), "rev-parse", "--show-prefix"), projectDir,
                "git rev-parse --show-prefix").strip();
        Path temp;
        try {
            temp = Files.createTempDirectory("mediaplane-diff-base-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the base", e);
        }
        try {
            Path tar = temp.resolve(".base.tar");
            // From the top of the repository: run in a subdirectory, git archive limits itself to that directory
            // of the tree it is given, which holds no such directory.
            String top = run(List.of("git", "-C", projectDir.toString(), "rev-parse", "--show-toplevel"), projectDir,
                    "git rev-parse --show-toplevel").strip();
            List<String> archive = List.of("git", "-C", top, "archive", "--format=tar", "-o", tar.toString(),
                    commit + ":" + prefix);
            run(archive, projectDir, "git archive of " + base);
            Path tree = temp.resolve("tree");
            Files.createDirectories(tree);
            run(List.of("tar", "-x", "-f", tar.toString(), "-C", tree.toString()), projectDir, "tar -x of " + base);
            Files.delete(tar);
            return new BaseCheckout(tree, temp, "ref " + base + " (" + commit.substring(0, Math.min(12, commit.length())) + ")");
        } catch (IOException | RuntimeException e) {
            delete(temp);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot export " + base, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        String out = run(cmd, dir, "git " + args[0]);
        if (out.isBlank()) {
            throw new IllegalArgumentException("--base '" + args[args.length - 1].replace("^{commit}", "")
                    + "' is neither a directory nor a commit of the git repository at " + dir);
        }
        return out;
    }

    private static String run(List<String> cmd, Path dir, String what) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                if (cmd.contains("rev-parse") && cmd.contains("--verify")) {
                    return "";
                }
                throw new IllegalArgumentException(what + " failed (exit " + p.exitValue() + ")" + (err.isEmpty() ? "" : ": " + err));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.get(0) + " for " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " was interrupted", e);
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c < 0x20 || c == 0x7f ? "?" : Character.toString(c)));
        return sb.toString();
    }

    @Override
    public void close() {
        if (temp != null) {
            delete(temp);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the base's temporary copy " + dir, e);
        }
    }
}
