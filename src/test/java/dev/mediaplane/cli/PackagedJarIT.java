package dev.mediaplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfigFixtures;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.plan.PlanPrinter;
import dev.mediaplane.plan.PlanRunner;
import dev.mediaplane.render.Renderer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar — what the wrapper and `pulumi up` run — renders and plans exactly what the
 * classes do in the test JVM. Resources read from a jar differ from a directory (the node files
 * once went missing from the jar's bundle only), so this runs after `package`.
 */
class PackagedJarIT {

    private static final Path JAR = StackConfigFixtures.projectDir().resolve("target/mediaplane.jar");

    private static String run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void jarRendersTheSameReleaseAsTheClasses(@TempDir Path tmp) throws Exception {
        var config = StackFileLoader.load(StackConfigFixtures.projectDir(), "dev").config();
        var bundle = Renderer.render(config);
        run(StackConfigFixtures.projectDir(), "render", "--stack", "dev", "--out", tmp.resolve("out").toString());
        assertEquals(bundle.hash() + "\n", Files.readString(tmp.resolve("out/RELEASE")));
        assertTrue(Files.exists(tmp.resolve("out/node/mediaplane-agent.jar")), "node files missing from the jar's bundle");
    }

    /**
     * Every CLI class resolves its fields', methods' and constructors' types from the jar alone: a client the
     * shade filter left out (google-cloud-storage once was, breaking every command but plan) fails here, not
     * on an operator's first `release status`. The agent's classes are the agent jar's (AgentJarIT).
     */
    @Test
    void everyCliClassLinksAgainstTheJarAlone() throws Exception {
        List<String> missing = new ArrayList<>();
        int checked = 0;
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile());
             java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {JAR.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                String n = e.getName();
                if (!n.startsWith("dev/mediaplane/") || !n.endsWith(".class") || n.startsWith("dev/mediaplane/agent/")) {
                    continue;
                }
                String name = n.substring(0, n.length() - ".class".length()).replace('/', '.');
                try {
                    Class<?> c = Class.forName(name, false, loader);
                    c.getDeclaredFields();
                    c.getDeclaredMethods();
                    c.getDeclaredConstructors();
                    checked++;
                } catch (LinkageError | ClassNotFoundException x) {
                    missing.add(name + ": " + x);
                }
            }
        }
        assertTrue(checked > 200, "checked only " + checked + " classes");
        assertEquals(List.of(), missing);
    }

    @Test
    void jarPlansTheSameAsTheClasses() throws Exception {
        var loaded = StackFileLoader.load(StackConfigFixtures.projectDir(), "prod");
        String expected = PlanPrinter.json(PlanRunner.run(loaded));
        assertEquals(expected, run(StackConfigFixtures.projectDir(), "plan", "--stack", "prod", "--json"));
    }
}
