package dev.mediaplane.node;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.mediaplane.testing.GcpStandIn;
import dev.mediaplane.testing.PlannedNode;
import dev.mediaplane.testing.RequiredTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs the real {@code startup-scripts/node/mp-recording-uploader} under bash against a
 * {@link GcpStandIn}, in a temp root. An {@code rm} shim first in PATH asks the harness (over
 * HTTP, on the stand-in's port) to judge each deletion of a recording while the file still exists.
 */
public final class UploaderHarness implements AutoCloseable {

    public static final Path SCRIPT = Path.of("startup-scripts/node/mp-recording-uploader").toAbsolutePath();
    /** The evidence consumer the tests' stack declares (mediaplane:recordingsEventSubscribers). */
    public static final String CONSUMER_NAME = "evidence";
    public static final String CONSUMER = "evidence-consumer@mediaplane-dev-000000.iam.gserviceaccount.com";

    /** One local deletion seen by the rm shim, judged while the file still existed. */
    public record Deletion(String path, boolean verified, String detail) {}

    /**
     * The dev stack as committed, plus one evidence consumer: what `pulumi up` would create for
     * the node (its account, the buckets, topics, subscriptions, roles and bindings), taken from
     * the plan, never written by hand here.
     */
    public static dev.mediaplane.plan.Plan plan() {
        return PlannedNode.plan("dev", Map.of("mediaplane:recordingsEventSubscribers", "[" + CONSUMER_NAME + "=" + CONSUMER + "]"));
    }

    /** A stand-in set up as the plan declares the node's cloud. */
    public static PlannedNode.Cloud plannedCloud() throws IOException {
        return PlannedNode.start(plan());
    }

    public final String bucket;
    public final String topic;
    /** The planned subscription the evidence consumer pulls (null when the plan declares none). */
    public final String subscription;
    /** What the evidence consumer has received so far (null when the plan declares no subscription for it). */
    public final GcpStandIn.Subscriber consumer;
    public final Path root;
    public final Path recordings;
    public final Path state;
    public final Path nodeEnv;
    public final GcpStandIn gcp;
    public final Map<String, String> env = new HashMap<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final List<Running> running = new ArrayList<>();
    private final List<Deletion> deletions = Collections.synchronizedList(new ArrayList<>());
    private volatile Path recordingsDir;

    public UploaderHarness(Path root, PlannedNode.Cloud cloud) throws IOException {
        // Before anything starts: without inotifywait the watcher would wait for events forever.
        RequiredTools.require("bash", "curl", "jq", "inotifywait", "flock", "md5sum", "sha256sum", "base64", "od",
                "stat", "realpath", "find", "df", "mkfifo");
        this.root = root;
        this.gcp = cloud.gcp();
        this.bucket = cloud.recordingsBucket();
        this.topic = cloud.eventsTopic();
        this.subscription = cloud.subscriptionConsumers().entrySet().stream()
                .filter(e -> e.getValue().equals(CONSUMER)).map(Map.Entry::getKey).findFirst().orElse(null);
        this.consumer = subscription == null ? null : gcp.subscriber(subscription, CONSUMER);
        this.recordings = Files.createDirectories(root.resolve("recordings"));
        this.state = Files.createDirectories(root.resolve("state"));
        Path bin = Files.createDirectories(root.resolve("bin"));
        recordingsDir = recordings;
        gcp.route("/__test/before-rm", ex -> {
            String file = GcpStandIn.query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).get("path");
            deletions.add(judgeDeletion(file));
            ex.sendResponseHeaders(204, -1);
        });
        nodeEnv = root.resolve("node.env");
        Files.writeString(nodeEnv, String.join("\n",
                "# written by boot",
                "PROJECT=" + gcp.project,
                "ZONE=europe-west1-b",
                "NODE_NAME=mp-node-test",
                "RELEASE_HASH=0123abcd",
                "RECORDINGS_DIR=" + recordings,
                "RECORDINGS_BUCKET=" + bucket,
                "EVENTS_TOPIC=" + topic,
                "RELEASES_BUCKET=" + cloud.releasesBucket(),
                "STACK=dev", ""));
        Path rm = bin.resolve("rm");
        Files.writeString(rm, """
                #!/bin/bash
                # Test shim: the stand-in judges each recording deletion while the file still exists.
                for a in "$@"; do
                  case $a in
                    *.wav) curl -s -o /dev/null -X POST --data-urlencode "path=$a" "$STAND_IN/__test/before-rm" ;;
                  esac
                done
                exec /bin/rm "$@"
                """);
        Files.setPosixFilePermissions(rm, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("STAND_IN", gcp.url());
        env.put("MP_NODE_ENV", nodeEnv.toString());
        env.put("GCS_ENDPOINT", gcp.url());
        env.put("PUBSUB_ENDPOINT", gcp.url());
        env.put("METADATA_ENDPOINT", gcp.url());
        env.put("MP_UPLOADER_STATE_DIR", state.toString());
        env.put("MP_QUIET_SECONDS", "0");
        env.put("MP_MAX_ATTEMPTS", "4");
        env.put("MP_BACKOFF_BASE_MS", "20");
        env.put("MP_BACKOFF_MAX_MS", "200");
        env.put("MP_DISK_CHECK_SECONDS", "1");
    }

    /** The node's access token: a marker that must appear in no argv, file or log. */
    public String token() { return gcp.tokenFor(gcp.instanceServiceAccount()); }

    public List<Deletion> deletions() { synchronized (deletions) { return List.copyOf(deletions); } }

    /** Where the rm-shim judge expects recordings (a test that mounts another directory moves it). */
    public void recordingsDir(Path dir) { this.recordingsDir = dir; }

    private Deletion judgeDeletion(String file) {
        Path dir = recordingsDir;
        if (file == null || dir == null || !file.startsWith(dir + "/")) {
            return new Deletion(String.valueOf(file), false, "outside the recordings dir");
        }
        String[] parts = file.substring(dir.toString().length() + 1).split("/");
        if (parts.length != 3 || !parts[2].endsWith(".wav")) {
            return new Deletion(file, false, "not a recording path");
        }
        String rec = parts[2].substring(0, parts[2].length() - 4);
        String object = "org/" + parts[0] + "/recordings/" + parts[1] + "/" + rec + ".wav";
        String manifest = "org/" + parts[0] + "/recordings/" + parts[1] + "/" + rec + ".manifest.json";
        byte[] local;
        try {
            local = Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            return new Deletion(file, false, "local file unreadable at deletion: " + e);
        }
        Map<String, GcpStandIn.StoredObject> objects = gcp.objects(bucket);
        GcpStandIn.StoredObject o = objects.get(object);
        if (o == null) {
            return new Deletion(file, false, "no object " + object);
        }
        if (!GcpStandIn.md5B64(local).equals(o.md5())) {
            return new Deletion(file, false, "object " + object + " has other bytes");
        }
        if (!objects.containsKey(manifest)) {
            return new Deletion(file, false, "no manifest " + manifest);
        }
        return new Deletion(file, true, "verified " + object);
    }

    /** Writes a finished recording in place (open, write, close: one close_write). */
    public Path write(String org, String call, String rec, byte[] bytes) throws IOException {
        Path p = Files.createDirectories(recordings.resolve(org).resolve(call)).resolve(rec + ".wav");
        Files.write(p, bytes);
        return p;
    }

    /** Writes a recording left behind earlier (a crash, a reboot): old mtime. */
    public Path writeOld(String org, String call, String rec, byte[] bytes) throws IOException {
        Path p = write(org, call, rec, bytes);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));
        return p;
    }

    /** Writes elsewhere and renames into place (moved_to): the file is never seen half-written. */
    public Path writeByRename(String org, String call, String rec, byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(recordings.resolve(org).resolve(call));
        Path tmp = Files.createDirectories(root.resolve("staging")).resolve(org + "_" + call + "_" + rec);
        Files.write(tmp, bytes);
        return Files.move(tmp, dir.resolve(rec + ".wav"));
    }

    /** For the benchmark: no per-deletion round trip to the stand-in. */
    public void withoutRmShim() { env.put("PATH", System.getenv("PATH")); }

    public int run(String... args) throws IOException, InterruptedException {
        Running r = start(args);
        if (!r.process.waitFor(180, TimeUnit.SECONDS)) {
            r.kill();
            throw new AssertionError("uploader " + String.join(" ", args) + " did not finish; output:\n" + output());
        }
        r.drain();
        return r.process.exitValue();
    }

    public Running start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().putAll(env);
        Running r = new Running(pb.start());
        running.add(r);
        return r;
    }

    public List<String> output() { synchronized (output) { return List.copyOf(output); } }

    /** Structured log lines (JSON objects) with this event name. */
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; output:\n" + String.join("\n", output()));
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        for (Running r : running) {
            r.kill();
        }
    }

    /** A started uploader; {@link #kill()} SIGKILLs it and every descendant (curl, inotifywait). */
    public final class Running {
        public final Process process;
        private final Thread out;
        private final Thread err;

        Running(Process process) {
            this.process = process;
            this.out = pump(process.getInputStream(), "");
            this.err = pump(process.getErrorStream(), "stderr: ");
        }

        public void kill() {
            // Snapshot first: children of a killed bash are re-parented and no longer descendants.
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            try {
                process.waitFor(30, TimeUnit.SECONDS);
                for (ProcessHandle h : tree) {
                    h.onExit().get(30, TimeUnit.SECONDS);
                }
                drain();
            } catch (Exception e) {
                throw new AssertionError("could not kill the uploader tree", e);
            }
        }

        /** Command lines of the uploader and all its descendants, as /proc shows them. */
        public List<String> commandLines() {
            List<String> lines = new ArrayList<>();
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            for (ProcessHandle h : all) {
                try {
                    byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "cmdline"));
                    lines.add(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException gone) {
                    // exited in between
                }
            }
            return lines;
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
                    // process killed
                }
            }, "uploader-output");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
