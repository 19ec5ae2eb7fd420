package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Main in a real JVM: the CLI's exit codes reach the process, and PULUMI_MONITOR alone does not switch modes. */
class MainTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private Run main(boolean monitor, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.mediaplane.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PULUMI_MONITOR");
        if (monitor) {
            // An address nothing listens on: the CLI must not try it when arguments are given.
            pb.environment().put("PULUMI_MONITOR", "127.0.0.1:9");
        }
        pb.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        int code = pb.start().waitFor();
        return new Run(code, Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void exitCodesReachTheProcess() throws Exception {
        Run missing = main(false, "plan", "--stack", "absent", "--project-dir", dir.toString());
        assertEquals(ExitCode.CONFIG_ERROR.code(), missing.code(), missing.err());
        assertTrue(missing.err().contains("Pulumi.absent.yaml does not exist"), missing.err());
        assertEquals("", missing.out());
        assertEquals(ExitCode.USAGE.code(), main(false).code());
    }

    @Test
    void withArgumentsTheCliRunsEvenUnderTheLanguageHost() throws Exception {
        Run r = main(true, "policies");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("gce-shielded-vm"), r.out());
    }

    /** Hostile stack files end as config errors (exit 3) in a real JVM, with no stack trace and no secret. */
    @Test
    void hostileStackFilesAreConfigErrorsWithoutATrace() throws Exception {
        byte[][] files = {
            ("config:\n  mediaplane:labels: " + "[".repeat(50_000) + "]".repeat(50_000) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "config:\n  gcp:project: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
            "config:\n  mediaplane:eslPassword: \"MARKER-c0ffee\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "config:\n  mediaplane:eslPassword: MARKER-c0ffee\n  mediaplane:eslPassword: MARKER-c0ffee\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8),
        };
        for (byte[] f : files) {
            Files.write(dir.resolve("Pulumi.bad.yaml"), f);
            Run r = main(false, "plan", "--stack", "bad", "--project-dir", dir.toString());
            assertEquals(ExitCode.CONFIG_ERROR.code(), r.code(), r.err());
            assertTrue(!r.err().contains("\tat ") && !r.err().contains("Exception"), r.err());
            assertTrue(!r.err().contains("MARKER-c0ffee"), r.err());
        }
    }
}
