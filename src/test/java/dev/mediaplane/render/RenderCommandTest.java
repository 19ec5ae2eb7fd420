package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RenderCommandTest {
    @TempDir
    Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = Cli.create();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 1];
        full[0] = "render";
        System.arraycopy(args, 0, full, 1, args.length);
        return cl.execute(full);
    }

    @Test
    void writesTheBundleTheManifestAndTheHash() throws Exception {
        Path dir = tmp.resolve("out");
        assertEquals(0, run("--stack", "dev", "--project-dir", Scenarios.projectDir().toString(), "--out", dir.toString()), err.toString());
        Bundle b = Renderer.render(Scenarios.config("dev"));
        assertTrue(out.toString().contains("release " + b.hash()), out.toString());
        assertEquals(b.hash() + "\n", Files.readString(dir.resolve("RELEASE")));
        assertEquals(b.manifest(), Files.readString(dir.resolve("MANIFEST.sha256")));
        for (var e : b.files().entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey()))), e.getKey());
        }
        assertTrue(Files.isExecutable(dir.resolve("metadata/startup-script.sh")));
        assertTrue(Files.readString(dir.resolve("metadata/startup-script.sh"))
                .contains("RELEASES_BUCKET='mediaplane-dev-000000-mp-dev-releases'"));
        // sha256sum -c over the written tree: what the node does.
        Tools.Result check = Tools.run(java.util.List.of("sha256sum", "--strict", "-c", "MANIFEST.sha256"), java.util.Map.of(), dir);
        assertEquals(0, check.exit(), check.output());

        // A second render replaces the first; a foreign directory is refused.
        assertEquals(0, run("--stack", "prod", "--project-dir", Scenarios.projectDir().toString(), "--out", dir.toString()), err.toString());
        assertEquals(Renderer.render(Scenarios.config("prod")).hash() + "\n", Files.readString(dir.resolve("RELEASE")));
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("keep.txt"), "x");
        assertEquals(2, run("--stack", "dev", "--project-dir", Scenarios.projectDir().toString(), "--out", foreign.toString()));
        assertTrue(Files.exists(foreign.resolve("keep.txt")));
        assertTrue(err.toString().contains("is not empty and holds no earlier render"), err.toString());
    }

    @Test
    void aBadStackIsAConfigErrorNamingTheProblem() throws Exception {
        Files.writeString(tmp.resolve("Pulumi.bad.yaml"), "config:\n  gcp:project: mediaplane-bad-000000\n  gcp:region: europe-west1\n"
                + "  mediaplane:rtpStartPort: 80\n");
        assertEquals(3, run("--stack", "bad", "--project-dir", tmp.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.toString().contains("mediaplane:rtpStartPort"), err.toString());
        assertTrue(err.toString().contains("80"), err.toString());
        assertFalse(Files.exists(tmp.resolve("o")));
        assertEquals(3, run("--stack", "missing", "--project-dir", tmp.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err.toString().contains("Pulumi.missing.yaml does not exist"), err.toString());
    }
}
