package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The node agent's jar as the build packages it (target/mediaplane-agent.jar, the pom's second shade
 * execution): only the agent's packages and the clients they run on, fixed entry times, and it starts.
 */
class AgentJarIT {

    static final Path JAR = Scenarios.projectDir().resolve("target/" + AgentJar.FILE);
    static final Path CLI_JAR = Scenarios.projectDir().resolve("target/mediaplane.jar");

    static List<String> entries(Path jar) throws IOException {
        List<String> out = new ArrayList<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            j.stream().map(JarEntry::getName).forEach(out::add);
        }
        return out;
    }

    @Test
    void holdsTheAgentAndItsClientsAndNothingOfTheCli() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: the package phase builds it");
        List<String> names = entries(JAR);
        TreeSet<String> forbidden = new TreeSet<>();
        TreeSet<String> ours = new TreeSet<>();
        for (String n : names) {
            for (String f : List.of("com/pulumi/", "freemarker/", "picocli/", "org/snakeyaml/", "org/yaml/",
                    "com/github/difflib/", "templates/", "startup-scripts/", "kotlin/", "okhttp3/",
                    // gRPC-only runtime the pom excludes (the agent talks HTTP to GCS and Pub/Sub; AgentPackagedIT proves it)
                    "io/grpc/xds/", "io/grpc/alts/", "io/grpc/netty/", "org/conscrypt/",
                    "com/google/cloud/monitoring/", "com/google/monitoring/", "META-INF/native/libio_grpc_netty")) {
                if (n.startsWith(f)) {
                    forbidden.add(f);
                }
            }
            if (n.startsWith("dev/mediaplane/") && n.endsWith(".class")) {
                ours.add(n);
                boolean allowed = n.startsWith("dev/mediaplane/agent/") || n.startsWith("dev/mediaplane/esl/")
                        || n.matches("dev/mediaplane/render/NodeContract(\\$.*)?\\.class")
                        || n.matches("dev/mediaplane/config/NodeSecret(\\$.*)?\\.class");
                assertTrue(allowed, n + " is not the agent's");
            }
        }
        assertEquals(new TreeSet<>(), forbidden, "the agent jar carries what only the CLI uses");
        for (String needed : List.of("dev/mediaplane/esl/EslClient.class", "dev/mediaplane/agent/telemetry/Telemetry.class",
                "dev/mediaplane/render/NodeContract.class", "dev/mediaplane/config/NodeSecret.class",
                "io/prometheus/metrics/core/metrics/Counter.class", "com/google/cloud/storage/Storage.class",
                "com/google/cloud/pubsub/v1/Publisher.class", "com/google/gson/Gson.class")) {
            assertTrue(names.contains(needed), needed + " missing from the agent jar");
        }
        for (String n : names) {
            if (n.startsWith("META-INF/native/")) {
                assertTrue(!n.contains("windows") && !n.contains("osx") && !n.endsWith(".dll"), n + ": nodes are Linux");
            }
        }
        try (JarFile j = new JarFile(JAR.toFile())) {
            assertEquals("dev.mediaplane.agent.AgentMain", j.getManifest().getMainAttributes().getValue("Main-Class"));
        }
        System.out.println("agent jar: " + Files.size(JAR) + " bytes (" + Files.size(JAR) / (1024 * 1024) + " MiB), "
                + names.size() + " entries, " + ours.size() + " of our classes");
    }

    @Test
    void theNodeContractLoadsFromTheAgentJarAlone() throws Exception {
        // Only the agent jar and the JDK: whatever NodeContract needs at run time must be inside.
        try (URLClassLoader cl = new URLClassLoader(new URL[] {JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> c = Class.forName("dev.mediaplane.render.NodeContract", true, cl);
            Object standard = c.getField("STANDARD").get(null);
            Object metrics = c.getMethod("metrics").invoke(standard);
            List<?> all = (List<?>) metrics.getClass().getMethod("all").invoke(metrics);
            assertEquals(NodeContract.STANDARD.metrics().all().size(), all.size());
            assertEquals(c.getClassLoader(), cl, "loaded from the agent jar, not the test classpath");
        }
    }

    @Test
    void ourEntriesCarryTheBuildsFixedTimestampSoTheBytesAreReproducible() throws IOException {
        // project.build.outputTimestamp (2026-01-01T00:00:00Z) on what the build writes (our classes, the manifest,
        // directories); dependencies' entries keep the times of their released jars. No build clock leaks in.
        TreeSet<String> ours = new TreeSet<>();
        try (JarFile j = new JarFile(JAR.toFile())) {
            j.stream().filter(e -> e.getName().startsWith("dev/") || e.getName().equals("META-INF/MANIFEST.MF"))
                    .forEach(e -> ours.add(e.getTimeLocal().toLocalDate().toString()));
        }
        assertEquals(new TreeSet<>(List.of(java.time.Instant.parse("2026-01-01T00:00:00Z")
                .atZone(java.time.ZoneId.systemDefault()).toLocalDate().toString())), ours);
    }

    @Test
    void theCliJarLeavesThePrometheusClientOut() throws IOException {
        List<String> cli = entries(CLI_JAR);
        assertTrue(cli.stream().noneMatch(n -> n.startsWith("io/prometheus/")), "the CLI uses no Prometheus client");
        // The storage client is both jars': release status reads the releases bucket, smoke checks recordings.
        assertTrue(cli.contains("com/google/cloud/storage/StorageOptions.class"), "the CLI keeps the storage client");
        assertTrue(cli.contains("dev/mediaplane/esl/EslClient.class"), "the CLI keeps the ESL client (smoke, drain)");
    }

    @Test
    void itStartsAndAnswersHelp() throws Exception {
        assertTrue(entries(JAR).contains("dev/mediaplane/agent/AgentMain.class"), "the agent jar has no AgentMain");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString(),
                "--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "--help did not return");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("--node-env"), out);
    }
}
