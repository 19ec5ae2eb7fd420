package dev.mediaplane.agent;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs the node agent as a child JVM ({@code java -cp <test classpath> dev.mediaplane.agent.AgentMain --node-env ...})
 * against the loopback GCS/Pub/Sub/metadata stand-in set up from the dev stack's plan and a {@link FakeFreeSwitch}
 * on 127.0.0.1 (reached through an fs_cli.conf, as on the node), in a temp root with its own HOME.
 *
 * <p>A deletion judge polls the recordings directory every 2 ms: when a recording disappears it asks the stand-in,
 * at that moment, whether the object with the recording's bytes and its manifest exist. The agent runs in
 * another process, so an rm shim cannot judge it; the judge's window is one poll.
 */
public final class AgentHarness implements AutoCloseable {

    public static final String CONSUMER_NAME = "evidence";
    public static final String CONSUMER = "evidence-consumer@mediaplane-dev-000000.iam.gserviceaccount.com";

    /** A local deletion seen by the judge. */
    public record Deletion(Path path, boolean verified, String detail) {}

    public final Path root;
    public final Path recordings;
    public final Path state;
    public final Path nodeEnv;
    public final Path eslConf;
    public final GcpStandIn gcp;
    public final String bucket;
    public final String topic;
    public final GcpStandIn.Subscriber consumer;
    public final FakeFreeSwitch fs;
    /** The ESL password: a marker that must appear in no log line, argv or file but the fs_cli.conf. */
    public final String eslPassword = "esl-marker-" + UUID.randomUUID();
    public final int healthPort;
    public final Map<String, String> env = new HashMap<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final List<Agent> agents = Collections.synchronizedList(new ArrayList<>());
    private final List<Deletion> deletions = Collections.synchronizedList(new ArrayList<>());
    /** Local path -> bytes of every recording the test wrote (what the judge compares with). */
    private final Map<Path, byte[]> expected = new ConcurrentHashMap<>();
    private volatile Path judged;
    private final java.util.concurrent.atomic.AtomicLong judgeRounds = new java.util.concurrent.atomic.AtomicLong();
    private final Thread judge;
    private volatile boolean closed;

    /** The dev stack as committed plus one evidence consumer, planned; the stand-in set up from it. */
    public static PlannedNode.Cloud plannedCloud() throws IOException {
        return PlannedNode.start(PlannedNode.plan("dev", Map.of("mediaplane:recordingsEventSubscribers",
                "[" + CONSUMER_NAME + "=" + CONSUMER + "]")));
    }

    public AgentHarness(Path root, PlannedNode.Cloud cloud, boolean judgeDeletions) throws IOException {
        this.root = root;
        this.gcp = cloud.gcp();
        this.bucket = cloud.recordingsBucket();
        this.topic = cloud.eventsTopic();
        String sub = cloud.subscriptionConsumers().entrySet().stream().filter(e -> e.getValue().equals(CONSUMER))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new AssertionError("the plan declares no subscription for " + CONSUMER));
        this.consumer = gcp.subscriber(sub, CONSUMER);
        this.recordings = Files.createDirectories(root.resolve("recordings"));
        this.state = root.resolve("state");
        this.fs = new FakeFreeSwitch(eslPassword);
        this.eslConf = root.resolve("etc/fs_cli.conf");
        Files.createDirectories(eslConf.getParent());
        Files.writeString(eslConf, "[default]\nhost => 127.0.0.1\nport => " + fs.port() + "\npassword => " + eslPassword + "\n");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            healthPort = s.getLocalPort();
        }
        this.nodeEnv = root.resolve("etc/node.env");
        writeNodeEnv(recordings, state);
        Path home = Files.createDirectories(root.resolve("home"));
        env.put("HOME", home.toString());
        env.put("GCS_ENDPOINT", gcp.url());
        env.put("PUBSUB_ENDPOINT", gcp.url());
        env.put("GCE_METADATA_HOST", gcp.url().substring("http://".length()));
        env.put("MP_QUIET_SECONDS", "0");
        env.put("MP_MAX_ATTEMPTS", "4");
        env.put("MP_BACKOFF_BASE_MS", "20");
        env.put("MP_BACKOFF_MAX_MS", "200");
        env.put("MP_DISK_CHECK_SECONDS", "1");
        env.put("MP_SWEEP_SECONDS", "0");
        judged = recordings;
        judge = new Thread(this::judgeLoop, "deletion-judge");
        judge.setDaemon(true);
        if (judgeDeletions) {
            judge.start();
        }
    }

    /** Rewrites node.env with these directories (a test that mounts a tmpfs moves one). */
    public void writeNodeEnv(Path recordingsDir, Path stateDir) throws IOException {
        Files.writeString(nodeEnv, String.join("\n",
                "# written by boot",
                "STACK=dev",
                "PROJECT=" + gcp.project,
                "ZONE=europe-west1-b",
                "NODE_NAME=mp-node-test",
                "RELEASE_HASH=0123abcd",
                "RELEASES_BUCKET=unused-releases",
                "RECORDINGS_DIR=" + recordingsDir,
                "RECORDINGS_BUCKET=" + bucket,
                "EVENTS_TOPIC=" + topic,
                "HEALTH_PORT=" + healthPort,
                "INTERNAL_IP=127.0.0.1",
                "ESL_CONF=" + eslConf,
                "AGENT_STATE_DIR=" + stateDir, ""));
        judged = recordingsDir;
    }

    /**
     * Points the deletion judge back at the harness's own recordings directory and waits until no walk of the
     * previous one can still be open: a test calls it before it unmounts a tmpfs it had moved the recordings to.
     */
    public void stopJudging(Path dir) throws InterruptedException {
        if (!dir.equals(judged)) {
            return;
        }
        judged = recordings;
        long round = judgeRounds.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (judge.isAlive() && judgeRounds.get() < round + 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /** The node's access token as the stand-in's metadata server hands it out: a marker too. */
    public String token() {
        return gcp.tokenFor(gcp.instanceServiceAccount());
    }

    // ---- recordings ----------------------------------------------------------------------------------

    public Path write(String org, String call, String rec, byte[] bytes) throws IOException {
        return write(recordings, org, call, rec, bytes);
    }

    public Path write(Path dir, String org, String call, String rec, byte[] bytes) throws IOException {
        Path p = Files.createDirectories(dir.resolve(org).resolve(call)).resolve(rec + ".wav");
        expected.put(p, bytes);
        Files.write(p, bytes);
        return p;
    }

    /** A recording left behind earlier (crash, reboot): old mtime. */
    public Path writeOld(String org, String call, String rec, byte[] bytes) throws IOException {
        Path p = write(org, call, rec, bytes);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));
        return p;
    }

    /** Tells the judge a file at this path is a recording with these bytes (a test that writes it itself). */
    public void expect(Path p, byte[] bytes) {
        expected.put(p, bytes);
    }

    public List<Deletion> deletions() {
        synchronized (deletions) {
            return List.copyOf(deletions);
        }
    }

    private void judgeLoop() {
        Set<Path> seen = new HashSet<>();
        while (!closed) {
            Set<Path> now = new HashSet<>();
            Path dir = judged;
            try (Stream<Path> s = Files.find(dir, 3, (p, a) -> a.isRegularFile() && p.toString().endsWith(".wav"))) {
                s.forEach(now::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // the directory is being mounted or removed
            }
            for (Path p : seen) {
                if (!now.contains(p) && !Files.exists(p)) {
                    deletions.add(judgeDeletion(dir, p));
                }
            }
            seen = now;
            judgeRounds.incrementAndGet();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Deletion judgeDeletion(Path dir, Path file) {
        byte[] bytes = expected.get(file);
        if (bytes == null) {
            return new Deletion(file, false, "not a recording the test wrote");
        }
        Path rel = dir.relativize(file);
        String rec = rel.getName(2).toString().replaceAll("\\.wav$", "");
        String base = "org/" + rel.getName(0) + "/recordings/" + rel.getName(1) + "/" + rec;
        Map<String, GcpStandIn.StoredObject> objects = gcp.objects(bucket);
        GcpStandIn.StoredObject o = objects.get(base + ".wav");
        if (o == null) {
            return new Deletion(file, false, "no object " + base + ".wav");
        }
        if (!GcpStandIn.md5B64(bytes).equals(o.md5())) {
            return new Deletion(file, false, "object " + base + ".wav has other bytes");
        }
        if (!objects.containsKey(base + ".manifest.json")) {
            return new Deletion(file, false, "no manifest " + base + ".manifest.json");
        }
        return new Deletion(file, true, "verified " + base + ".wav");
    }

    // ---- the agent -----------------------------------------------------------------------------------

    /** Runs a subcommand (sweep, upload FILE...) to its end; returns the exit code. */
    public int run(String... args) throws IOException, InterruptedException {
        Agent a = start(args);
        if (!a.process.waitFor(180, TimeUnit.SECONDS)) {
            a.kill();
            throw new AssertionError("agent " + String.join(" ", args) + " did not finish; output:\n" + String.join("\n", output()));
        }
        a.drain();
        return a.process.exitValue();
    }

    /** Starts the agent (the service when no args). */
    public Agent start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", agentClasspath(),
                AgentMain.class.getName(), "--node-env", nodeEnv.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MP_") || k.startsWith("GOOGLE_") || k.equals("GCE_METADATA_HOST"));
        pb.environment().putAll(env);
        Agent a = new Agent(pb.start());
        agents.add(a);
        return a;
    }

    /**
     * The test classpath without the Pulumi SDK, FreeMarker, SnakeYAML and picocli: what the agent jar leaves out,
     * so every scenario also proves the agent never needs them at run time.
     */
    public static String agentClasspath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.isEmpty() && !e.matches(".*/(com/pulumi|org/freemarker|org/yaml/snakeyaml|info/picocli)/.*"))
                .map(e -> Path.of(e).toAbsolutePath().toString()) // the agent runs in the test root, not here
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    public List<JsonObject> events(String event) {
        List<JsonObject> found = new ArrayList<>();
        for (String line : output()) {
            if (line.startsWith("{")) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.has("event") && o.get("event").getAsString().equals(event)) {
                    found.add(o);
                }
            }
        }
        return found;
    }

    public void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; output:\n" + String.join("\n", output()));
            }
            Thread.sleep(10);
        }
    }

    /** GET on the agent's health port. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends an event to every ESL session that is logged in. */
    public void sendEvent(Map<String, String> headers) throws IOException {
        for (FakeFreeSwitch.Session s : fs.liveSessions()) {
            s.sendEvent(headers, null);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Agent a : List.copyOf(agents)) {
            a.kill();
        }
        try {
            fs.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** A started agent process. */
    public final class Agent {
        public final Process process;
        private final Thread out;
        private final Thread err;

        Agent(Process process) {
            this.process = process;
            this.out = pump(process.getInputStream(), "");
            this.err = pump(process.getErrorStream(), "stderr: ");
        }

        /** SIGKILL (kill -9): no shutdown hook runs. */
        public void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
                drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** SIGTERM, and the exit code once it is gone. */
        public int terminate() throws InterruptedException {
            // Through the handle: Process.destroy() would also close our ends of its pipes and lose its last lines.
            process.toHandle().destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
                throw new AssertionError("agent ignored SIGTERM for 60 s");
            }
            drain();
            return process.exitValue();
        }

        /** /proc/<pid>/cmdline of the agent. */
        public String commandLine() throws IOException {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        }

        /** /proc/<pid>/environ of the agent (the endpoints are there; the markers must not be). */
        public String environ() throws IOException {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "environ")), StandardCharsets.UTF_8);
        }

        void drain() throws InterruptedException {
            out.join(30_000);
            err.join(30_000);
        }

        private Thread pump(InputStream in, String prefix) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.add(prefix + line);
                    }
                } catch (IOException ignored) {
                    // killed
                }
            }, "agent-output");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
