package dev.mediaplane.diff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** Copies of the repository's inputs (stack files, templates, scripts) in temp dirs, edited per test; the repo is never touched. */
final class DiffFixtures {

    /** What a project directory holds for planning. */
    static final List<String> INPUTS = List.of("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "templates", "startup-scripts");

    private DiffFixtures() {}

    /** A copy of the repository's inputs under {@code dir}. */
    static Path copyOfRepo(Path dir) {
        Path repo = Path.of("").toAbsolutePath();
        try {
            Files.createDirectories(dir);
            for (String p : INPUTS) {
                Path from = repo.resolve(p);
                try (Stream<Path> s = Files.walk(from)) {
                    for (Path f : s.toList()) {
                        Path to = dir.resolve(repo.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                        }
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the one occurrence of {@code from} in {@code file} (fails when it is not exactly once). */
    static void replaceOnce(Path file, String from, String to) {
        try {
            String text = Files.readString(file);
            int at = text.indexOf(from);
            if (at < 0 || text.indexOf(from, at + 1) >= 0) {
                throw new AssertionError(file + " must hold '" + from + "' exactly once");
            }
            Files.writeString(file, text.substring(0, at) + to + text.substring(at + from.length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void append(Path file, String text) {
        try {
            Files.writeString(file, Files.readString(file) + text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
