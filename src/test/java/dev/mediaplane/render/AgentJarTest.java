package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.config.StackConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the renderer finds the agent jar, how it is bundled, and the unit's JVM running a jar for real. */
public class AgentJarTest {

    @Test
    void theCommittedFixtureIsTheHelpersBytes() throws IOException {
        if (Boolean.getBoolean("golden.update")) {
            Files.write(AgentJarFixture.GOLDEN, AgentJarFixture.goldenBytes());
        }
        assertArrayEquals(AgentJarFixture.goldenBytes(), Files.readAllBytes(AgentJarFixture.GOLDEN),
                "regenerate with -Dtest=AgentJarTest -Dgolden.update=true");
        assertEquals(AgentJarFixture.GOLDEN.toAbsolutePath().normalize(),
                Path.of(System.getProperty(AgentJar.PROPERTY)).toAbsolutePath().normalize(),
                "surefire hands every test the committed fixture (pom.xml systemPropertyVariables)");
    }

    @Test
    void aPrefetchedReadServesOneReadOfTheSamePath(@TempDir Path tmp) throws IOException {
        String before = System.getProperty(AgentJar.PROPERTY);
        Path jar = Files.write(tmp.resolve(AgentJar.FILE), "first".getBytes(StandardCharsets.UTF_8));
        try {
            System.setProperty(AgentJar.PROPERTY, jar.toString());
            AgentJar.prefetch();
            Path located = AgentJar.locate();
            AgentJar.Read first = AgentJar.read(located);
            assertEquals("first", new String(first.bytes(), StandardCharsets.UTF_8));
            assertEquals(Bundle.sha256("first".getBytes(StandardCharsets.UTF_8)), first.sha256());
            // Served once: the next read sees the file as it is now, bytes and digest alike.
            Files.write(jar, "second".getBytes(StandardCharsets.UTF_8));
            AgentJar.Read second = AgentJar.read(located);
            assertEquals("second", new String(second.bytes(), StandardCharsets.UTF_8));
            assertEquals(Bundle.sha256("second".getBytes(StandardCharsets.UTF_8)), second.sha256());
            // A prefetch of another path is not handed out for this one.
            Path other = Files.write(tmp.resolve("other.jar"), "other".getBytes(StandardCharsets.UTF_8));
            AgentJar.prefetch();
            assertEquals("other", new String(AgentJar.read(other).bytes(), StandardCharsets.UTF_8));
        } finally {
            System.setProperty(AgentJar.PROPERTY, before);
        }
    }

    @Test
    void propertyThenEnvironmentThenBesideTheCliJarThenTarget(@TempDir Path tmp) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("project"));
        Path prop = Files.writeString(tmp.resolve("p.jar"), "p");
        Path env = Files.writeString(tmp.resolve("e.jar"), "e");
        Path cliDir = Files.createDirectories(tmp.resolve("dist"));
        Path cliJar = Files.writeString(cliDir.resolve("mediaplane.jar"), "cli");
        assertEquals(prop, AgentJar.locate(prop.toString(), env.toString(), cliJar, work));
        assertEquals(env, AgentJar.locate(null, env.toString(), cliJar, work));
        Path beside = Files.writeString(cliDir.resolve(AgentJar.FILE), "beside");
        assertEquals(beside, AgentJar.locate("", "", cliJar, work));
        Files.delete(beside);
        Path target = Files.writeString(Files.createDirectories(work.resolve("target")).resolve(AgentJar.FILE), "t");
        // Under the working directory: relative, so a FileAsset's path (and the plan) is the same on every checkout.
        assertEquals(Path.of("target", AgentJar.FILE), AgentJar.locate(null, null, cliJar, work));
        assertTrue(Files.isSameFile(target, work.resolve(AgentJar.locate(null, null, cliJar, work))));
    }

    @Test
    void aMissingJarNamesAllThreeWays(@TempDir Path tmp) {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> AgentJar.locate(null, null, tmp.resolve("classes"), tmp));
        for (String s : List.of(AgentJar.PROPERTY, AgentJar.ENV, "beside the CLI jar", tmp.resolve("target")
                .resolve(AgentJar.FILE).toString())) {
            assertTrue(none.getMessage().contains(s), s + " in: " + none.getMessage());
        }
        IllegalStateException badProp = assertThrows(IllegalStateException.class,
                () -> AgentJar.locate("/nonexistent/agent.jar", null, null, tmp));
        assertTrue(badProp.getMessage().contains("system property " + AgentJar.PROPERTY + "='/nonexistent/agent.jar'"),
                badProp.getMessage());
        IllegalStateException badEnv = assertThrows(IllegalStateException.class,
                () -> AgentJar.locate(null, "/nonexistent/e.jar", null, tmp));
        assertTrue(badEnv.getMessage().contains("environment variable " + AgentJar.ENV + "='/nonexistent/e.jar'"),
                badEnv.getMessage());
    }

    @Test
    void theBundleCarriesTheJarByteForByteAndItsHashCoversIt(@TempDir Path tmp) throws IOException {
        StackConfig config = Scenarios.config("dev");
        Bundle golden = Renderer.render(config);
        String jarPath = "node/" + NodeContract.STANDARD.units().agentJar();
        assertArrayEquals(AgentJarFixture.goldenBytes(), golden.file(jarPath));
        assertEquals("0644", golden.modes().get(jarPath), "a jar is read by java, never executed");
        assertTrue(golden.manifest().contains(Bundle.sha256(AgentJarFixture.goldenBytes()) + "  " + jarPath + "\n"));
        assertTrue(golden.origin(jarPath).isPresent(), "the program uploads the jar from its file");
        Path other = Files.write(tmp.resolve("other.jar"), new byte[] {1, 2, 3});
        Bundle b = Renderer.render(config, NodeContract.STANDARD, other);
        assertArrayEquals(new byte[] {1, 2, 3}, b.file(jarPath));
        assertEquals(other, b.origin(jarPath).orElseThrow());
        assertTrue(!b.hash().equals(golden.hash()), "another agent jar is another release");
    }

    /** The ExecStart of the rendered unit, split as systemd splits it (no quoting in ours). */
    public static List<String> execStart(String unit) {
        String cmd = unit.lines().filter(l -> l.startsWith("ExecStart=")).reduce((a, b) -> b).orElseThrow()
                .substring("ExecStart=".length());
        return new ArrayList<>(Arrays.asList(cmd.trim().split("\\s+")));
    }

    /**
     * The unit's JVM flags, for real: the rendered ExecStart runs the live fixture (its jar and node.env
     * swapped in, java from this JDK), serves requests, and stays under its bounds. Prints the RSS.
     */
    @Test
    void theUnitsJvmFlagsStartAJarThatServesLiveAndStaysSmall(@TempDir Path tmp) throws Exception {
        NodeContract c = NodeContract.STANDARD;
        String unit = new String(Renderer.render(Scenarios.config("dev")).file("node/" + c.units().agentService()),
                StandardCharsets.UTF_8);
        List<String> cmd = execStart(unit);
        assertEquals("/usr/bin/java", cmd.get(0));
        int jar = cmd.indexOf("-jar");
        assertEquals(c.paths().nodeDir() + "/" + c.units().agentJar(), cmd.get(jar + 1));
        assertEquals(List.of("--node-env", c.paths().nodeEnv()), cmd.subList(jar + 2, cmd.size()));
        for (String flag : List.of("-Xmx128m", "-XX:MaxMetaspaceSize=96m", "-Xss512k", "-XX:+UseSerialGC")) {
            assertTrue(cmd.contains(flag), flag + " in " + cmd);
        }
        // C2 stays on: the bridge's TLS needs its AES-GCM intrinsics (docs/streaming.md).
        assertTrue(cmd.stream().noneMatch(f -> f.startsWith("-XX:TieredStopAtLevel")), "no C1-only JIT in " + cmd);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path env = Files.writeString(tmp.resolve("node.env"), "INTERNAL_IP=127.0.0.1\nHEALTH_PORT=" + port + "\n");
        cmd.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.set(jar + 1, AgentJarFixture.live(tmp).toString());
        cmd.set(cmd.size() - 1, env.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> live = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (live == null && System.nanoTime() < deadline && p.isAlive()) {
                try {
                    live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/live")).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            assertTrue(live != null, "the JVM never served /live:\n" + Files.readString(tmp.resolve("agent.log")));
            assertEquals(200, live.statusCode());
            for (int i = 0; i < 200; i++) {
                String path = i % 3 == 0 ? "/metrics" : i % 3 == 1 ? "/ready" : "/live";
                assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            long rssKib = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .findFirst().orElseThrow();
            System.out.println("agent unit JVM flags, fixture jar, 201 requests served: VmRSS " + rssKib + " KiB ("
                    + (rssKib / 1024) + " MiB)");
            // MemoryMax=320M in the unit; this trivial jar must sit far below the JVM's own bounds.
            assertTrue(rssKib < 160 * 1024, "RSS " + rssKib + " KiB with the unit's flags");
        } finally {
            p.destroy();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The unit's JVM flags around the agent's real telemetry ({@link TelemetryProbe}: the Prometheus
     * registry and HTTP endpoints with 500 active calls' worth of ESL events): /metrics answers and the
     * RSS stays under the 160 MiB. Prints the figure.
     */
    @Test
    void theUnitsJvmFlagsHoldTheAgentsTelemetryWith500CallsUnder160MiB(@TempDir Path tmp) throws Exception {
        String unit = new String(Renderer.render(Scenarios.config("dev")).file("node/" + NodeContract.STANDARD.units().agentService()),
                StandardCharsets.UTF_8);
        List<String> cmd = execStart(unit);
        List<String> flags = cmd.subList(1, cmd.indexOf("-jar"));
        List<String> run = new ArrayList<>();
        run.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        run.addAll(flags);
        run.addAll(List.of("-cp", System.getProperty("java.class.path"), TelemetryProbe.class.getName(), tmp.toString(), "500"));
        Process p = new ProcessBuilder(run).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            int port = -1;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("listening on 127.0.0.1:")) {
                    port = Integer.parseInt(line.substring("listening on 127.0.0.1:".length()));
                    break;
                }
            }
            assertTrue(port > 0, "the probe did not start:\n" + seen);
            Thread drain = new Thread(() -> {
                try {
                    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            drain.setDaemon(true);
            drain.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String metrics = "";
            for (int i = 0; i < 200; i++) {
                String path = i % 2 == 0 ? "/metrics" : "/live";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (path.equals("/metrics")) {
                    assertEquals(200, r.statusCode());
                    metrics = r.body();
                }
            }
            assertTrue(metrics.contains("\nmediaplane_active_calls 500.0\n"), "the probe's 500 calls: " + metrics.lines()
                    .filter(l -> l.startsWith("mediaplane_active")).toList());
            long rssKib = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .findFirst().orElseThrow();
            System.out.println("agent unit JVM flags, agent telemetry with 500 active calls, 200 requests served: VmRSS "
                    + rssKib + " KiB (" + (rssKib / 1024) + " MiB)");
            assertTrue(rssKib < 160 * 1024, "RSS " + rssKib + " KiB with the unit's flags, over the issue's 160 MiB");
        } finally {
            p.destroy();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
