package dev.mediaplane.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Stand-ins for the node agent's jar. {@link #golden()} is what every render in tests bundles (the
 * pom's surefire configuration points {@value AgentJar#PROPERTY} at it): fixed bytes, so goldens and
 * release hashes do not move with agent code. {@link #live(Path)} is a real jar whose main serves
 * {@code /live}, {@code /ready} and {@code /metrics} the way the agent does (node.env's INTERNAL_IP
 * and HEALTH_PORT), for tests that run the unit's ExecStart.
 */
final class AgentJarFixture {

    /** The committed fixture; AgentJarTest proves it is {@link #goldenBytes()}, -Dgolden.update=true rewrites it. */
    static final Path GOLDEN = Scenarios.projectDir().resolve("src/test/resources/golden/agent-fixture.jar");

    // A DOS time without a zone (setTimeLocal writes no extended timestamp): the bytes do not depend on TZ.
    private static final LocalDateTime EPOCH = LocalDateTime.of(2026, 1, 1, 0, 0);

    private AgentJarFixture() {}

    static Path golden() {
        return GOLDEN;
    }

    /** A jar of a manifest and a note, every entry at one fixed time: the same bytes on every JDK. */
    static byte[] goldenBytes() {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Created-By", "mediaplane tests (AgentJarFixture)");
        return jar(mf, List.of(new Entry("README.txt",
                "Test stand-in for node/mediaplane-agent.jar; the build's target/mediaplane-agent.jar is the agent.\n"
                        .getBytes(StandardCharsets.UTF_8))));
    }

    private static final String LIVE_MAIN = """
            import com.sun.net.httpserver.HttpServer;
            import java.net.InetAddress;
            import java.net.InetSocketAddress;
            import java.nio.charset.StandardCharsets;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.HashMap;
            import java.util.Map;

            public class FixtureAgent {
                public static void main(String[] args) throws Exception {
                    if (args.length == 1 && args[0].equals("--help")) {
                        System.out.println("usage: FixtureAgent --node-env FILE");
                        return;
                    }
                    if (args.length != 2 || !args[0].equals("--node-env")) {
                        System.err.println("usage: FixtureAgent --node-env FILE");
                        System.exit(64);
                    }
                    Map<String, String> env = new HashMap<>();
                    for (String line : Files.readAllLines(Path.of(args[1]))) {
                        int eq = line.indexOf('=');
                        if (eq > 0) {
                            env.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                    }
                    InetAddress ip = InetAddress.getByName(env.get("INTERNAL_IP"));
                    HttpServer server = HttpServer.create(new InetSocketAddress(ip, Integer.parseInt(env.get("HEALTH_PORT"))), 16);
                    for (String path : new String[] {"/live", "/ready", "/metrics"}) {
                        server.createContext(path, x -> {
                            byte[] body = (path.equals("/metrics") ? "mediaplane_ready 1\\n" : path.substring(1) + "\\n")
                                    .getBytes(StandardCharsets.UTF_8);
                            x.sendResponseHeaders(200, body.length);
                            x.getResponseBody().write(body);
                            x.close();
                        });
                    }
                    server.start();
                    System.out.println("listening on " + ip.getHostAddress() + ":" + server.getAddress().getPort());
                }
            }
            """;

    /** A runnable agent stand-in, compiled here with the JDK's compiler; written into {@code dir}. */
    static Path live(Path dir) {
        try {
            Path src = Files.createDirectories(dir.resolve("fixture-src"));
            Path classes = Files.createDirectories(dir.resolve("fixture-classes"));
            Files.writeString(src.resolve("FixtureAgent.java"), LIVE_MAIN);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("tests need a JDK (javax.tools compiler) to build the agent fixture");
            }
            int rc = javac.run(null, null, null, "--release", "17", "-d", classes.toString(),
                    src.resolve("FixtureAgent.java").toString());
            if (rc != 0) {
                throw new IllegalStateException("the agent fixture did not compile (javac exit " + rc + ")");
            }
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "FixtureAgent");
            Path jar = dir.resolve("mediaplane-agent-live.jar");
            Files.write(jar, jar(mf, List.of(new Entry("FixtureAgent.class",
                    Files.readAllBytes(classes.resolve("FixtureAgent.class"))))));
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Entry(String name, byte[] bytes) {}

    private static byte[] jar(Manifest mf, List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            JarEntry m = new JarEntry("META-INF/MANIFEST.MF");
            m.setTimeLocal(EPOCH);
            jar.putNextEntry(m);
            mf.write(jar);
            jar.closeEntry();
            for (Entry e : entries) {
                JarEntry je = new JarEntry(e.name());
                je.setTimeLocal(EPOCH);
                jar.putNextEntry(je);
                jar.write(e.bytes());
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
