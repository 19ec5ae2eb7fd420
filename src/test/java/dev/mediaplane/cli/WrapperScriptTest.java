package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code ./mediaplane} under bash in a temp project whose jar is a tiny stand-in
 * (echoes its arguments as JSON, exits 3 on "boom") and whose {@code mvnw} is a shim (a {@code mvn} on the PATH fails).
 */
class WrapperScriptTest {

    @TempDir
    Path root;

    private Path jar;
    private Path jsa;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void layout() throws Exception {
        Files.copy(Path.of("mediaplane"), root.resolve("mediaplane"));
        root.resolve("mediaplane").toFile().setExecutable(true);
        Files.createDirectories(root.resolve("target"));
        Files.createDirectories(root.resolve("src/main/java"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path src = Files.createDirectories(root.resolve("stub"));
        Files.writeString(src.resolve("Stub.java"), """
                public class Stub {
                    public static void main(String[] a) {
                        System.out.println("{\\"args\\": \\"" + String.join(" ", a) + "\\"}");
                        System.exit(a.length > 1 && a[1].equals("boom") ? 3 : 0);
                    }
                }
                """);
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", src.toString(), src.resolve("Stub.java").toString()));
        jar = root.resolve("target/mediaplane.jar");
        jsa = root.resolve("target/mediaplane.jsa");
        tool("jar", "cfe", jar.toString(), "Stub", "-C", src.toString(), "Stub.class");
        // The shim stands in for the checkout's Maven wrapper: it proves a build ran and writes to
        // stdout, which the wrapper must keep off the command's stdout. A Maven on the PATH must
        // not be what builds (the wrapper pins Maven's version), so that one fails loudly.
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("mvnw"), "#!/bin/sh\necho \"mvnw $*\"\ntouch \"" + root.resolve("built") + "\"\n");
        root.resolve("mvnw").toFile().setExecutable(true);
        Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho \"unpinned mvn on the PATH used\" >&2\nexit 99\n");
        bin.resolve("mvn").toFile().setExecutable(true);
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.setLastModifiedTime(root.resolve("src/main/java"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    }

    private static void tool(String name, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ToolProvider.findFirst(name).orElseThrow().run(System.out, new PrintStream(err), args);
        assertEquals(0, rc, err.toString());
    }

    /** Whether runs may take a JDK 25's AOT cache (the default off: these tests pin the CDS path). */
    private boolean aot;

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("mediaplane").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", root.resolve("bin") + ":" + env.get("PATH"));
        if (aot) {
            env.remove("JAVA_HOME");
            env.remove("MEDIAPLANE_AOT");
        } else {
            env.put("MEDIAPLANE_AOT", "0");
        }
        Path out = root.resolve("out.txt");
        Path err = root.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        int code = pb.start().waitFor();
        return new Run(code, Files.readString(out), Files.readString(err));
    }

    @Test
    void stdoutIsOnlyTheCommandsOutput() throws Exception {
        Run r = run("plan", "--stack", "dev", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"args\": \"plan --stack dev --json\"}\n", r.out());
        assertFalse(Files.exists(root.resolve("built")), "fresh jar: no build");
    }

    @Test
    void aSuccessfulPlanTrainsTheArchiveAndLaterRunsUseIt() throws Exception {
        assertEquals(0, run("--help").code());
        assertFalse(Files.exists(jsa), "only plan and check train the archive");
        assertEquals(3, run("plan", "boom").code());
        assertFalse(Files.exists(jsa), "a failed run leaves no archive");
        assertEquals(0, run("plan", "--stack", "dev").code());
        assertTrue(Files.exists(jsa));
        FileTime trained = Files.getLastModifiedTime(jsa);
        Run again = run("plan", "--stack", "dev");
        assertEquals(0, again.code());
        assertEquals("", again.err(), "the archive loads without warnings");
        assertEquals(trained, Files.getLastModifiedTime(jsa), "a fresh archive is reused");
    }

    @Test
    void aNewerSourceRebuildsAndDropsTheArchive() throws Exception {
        assertEquals(0, run("plan", "--stack", "dev").code());
        assertTrue(Files.exists(jsa));
        Files.writeString(root.resolve("src/main/java/New.java"), "class New {}");
        Files.setLastModifiedTime(root.resolve("src/main/java/New.java"),
                FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Run r = run("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(root.resolve("built")), "mvnw ran");
        assertTrue(r.err().contains("mvnw -B -q -ntp -DskipTests package"), r.err());
        assertFalse(r.out().contains("mvn"), "build output stays off stdout");
        assertFalse(Files.exists(jsa), "archive of the old jar dropped");
    }

    /** A checkout copied with its mtimes (cp -a) or moved: the old archive names another jar path, so it is retrained. */
    @Test
    void aCopiedCheckoutRetrainsTheArchiveInsteadOfWarning() throws Exception {
        assertEquals(0, run("plan", "--stack", "dev").code());
        assertTrue(Files.exists(jsa));
        Path copy = root.resolveSibling(root.getFileName() + "-copy");
        Process cp = new ProcessBuilder("cp", "-a", root.toString(), copy.toString()).inheritIO().start();
        assertEquals(0, cp.waitFor());
        Path origin = root;
        root = copy;
        try {
            String before = Files.readString(copy.resolve("target/mediaplane.jsa.key"));
            Run first = run("plan", "--stack", "dev");
            assertEquals(0, first.code(), first.err());
            assertEquals("", first.err(), "no warning about an archive of another jar");
            String after = Files.readString(copy.resolve("target/mediaplane.jsa.key"));
            assertFalse(after.equals(before), "the archive was retrained for the copy's jar");
            assertTrue(after.contains(copy.resolve("target/mediaplane.jar").toString()), after);
            Run second = run("plan", "--stack", "dev");
            assertEquals("", second.err(), "the retrained archive loads without warnings");
        } finally {
            root = origin;
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    /**
     * With a JDK 25 under /usr/lib/jvm and JAVA_HOME unset, a plan trains an AOT cache instead of
     * the CDS archive, stdout stays the command's alone, and the next run loads the cache quietly.
     */
    @Test
    void aJdk25TrainsAndUsesAnAotCache() throws Exception {
        boolean jdk25 = false;
        try (var homes = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path home : homes.toList()) {
                Path release = home.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(home.resolve("bin/java"))
                        && Files.readString(release).matches("(?s).*JAVA_VERSION=\"(2[5-9]|[3-9][0-9]).*")) {
                    jdk25 = true;
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            jdk25 = false;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(jdk25, "no JDK 25+ under /usr/lib/jvm");
        aot = true;
        Path cache = root.resolve("target/mediaplane.aot");
        Run first = run("plan", "--stack", "dev", "--json");
        assertEquals(0, first.code(), first.err());
        assertEquals("{\"args\": \"plan --stack dev --json\"}\n", first.out(), "training keeps stdout clean");
        assertTrue(Files.exists(cache), first.err());
        assertFalse(Files.exists(jsa), "no CDS archive beside the AOT cache");
        String key = Files.readString(root.resolve("target/mediaplane.aot.key"));
        assertTrue(key.contains("25") || key.matches("(?s).*jvm/[^ ]*2[5-9].*"), key);
        try (var left = Files.list(root.resolve("target"))) {
            assertEquals(List.of(), left.filter(p -> p.toString().endsWith(".tmp") || p.toString().endsWith(".config")).toList(),
                    "no training leftovers");
        }
        FileTime trained = Files.getLastModifiedTime(cache);
        Run again = run("plan", "--stack", "dev", "--json");
        assertEquals(0, again.code(), again.err());
        assertEquals("", again.err(), "the cache loads without warnings");
        assertEquals(first.out(), again.out());
        assertEquals(trained, Files.getLastModifiedTime(cache), "a fresh cache is reused");
    }

    @Test
    void shellcheckClean() throws Exception {
        Process p = new ProcessBuilder("shellcheck", "mediaplane", "bench/startup.sh").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }
}
