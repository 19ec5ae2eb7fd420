package dev.mediaplane.render;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** Runs the real tools the tests rely on; in CI a missing tool fails the test instead of skipping it. */
final class Tools {
    private Tools() {}

    record Result(int exit, String output) {}

    static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips locally, fails when CI=true: CI must install every tool (see .ci/run). */
    static void requireInCi(String tool) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(tool + " is not installed; CI must install it (apt-get install -y " + tool + ")");
        }
        Assumptions.abort(tool + " is not installed");
    }

    static Result run(List<String> cmd, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
