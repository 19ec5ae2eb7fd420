package dev.mediaplane.agent.bench;

import com.google.gson.JsonObject;
import dev.mediaplane.agent.AgentHarness;
import dev.mediaplane.agent.recordings.TestWav;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.testing.GcpStandIn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Benchmark, not a test: latency from RECORD_STOP (the hangup's recording close, sent by the fake FreeSWITCH right
 * after the file is closed) to the verified object, as the agent reports it in {@code recording_uploaded.latency_ms},
 * for N recordings one after another, against the loopback stand-in; plus the agent's CPU and RSS over the run and
 * its start-to-ESL-connected time. Same parameters as {@code bench/uploader-latency.sh}. Run by
 * bench/agent-upload-latency.sh.
 *
 * <p>Args: count (200), interval between recordings in ms (250), recording length in ms (10000).
 */
public final class AgentLatencyBench {
    static final int WARMUP = 10;

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long intervalMs = args.length > 1 ? Long.parseLong(args[1]) : 250;
        int lengthMs = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        Path root = Files.createTempDirectory("mp-agent-bench");
        var cloud = AgentHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp();
                AgentHarness h = new AgentHarness(root, cloud, false)) {
            h.env.put("MP_QUIET_SECONDS", "60");
            h.env.put("MP_SWEEP_SECONDS", "300");
            for (int i = 0; i < count; i++) {
                Files.createDirectories(h.recordings.resolve("org-" + (i % 7)).resolve("CA" + i));
            }
            AgentHarness.Agent a = h.start();
            long pid = a.process.pid();
            Instant started = a.process.info().startInstant().orElse(Instant.now());
            FakeFreeSwitch.Session esl;
            try {
                esl = h.fs.nextSession(60);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; agent output:\n" + String.join("\n", h.output()), e);
            }
            if (!esl.awaitSubscribed()) {
                throw new AssertionError("the agent never subscribed");
            }
            h.await("ESL connected", () -> h.events("esl_state").stream().anyMatch(e -> e.get("state").getAsString().equals("connected")));
            JsonObject connected = h.events("esl_state").stream().filter(e -> e.get("state").getAsString().equals("connected"))
                    .findFirst().orElseThrow();
            long startToConnectedMs = Instant.parse(connected.get("time").getAsString()).toEpochMilli() - started.toEpochMilli();
            // Warm-up, not measured: the first uploads pay for the token fetch, the lazy Pub/Sub client and the JIT,
            // once per agent start (a node runs one agent for days).
            for (int i = 0; i < WARMUP; i++) {
                Path p = h.write("warmup", "CW" + i, "rec-" + i, TestWav.make(TestWav.PCM, 8000, 1, lengthMs, false, -1 - i));
                h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-w" + i, p.toString()));
                Thread.sleep(intervalMs);
            }
            h.await("the warm-up", () -> h.events("recording_evidence_published").size() >= WARMUP);
            List<Long> warm = new ArrayList<>();
            for (JsonObject e : h.events("recording_uploaded")) {
                warm.add(e.get("latency_ms").getAsLong());
            }
            int skip = h.events("recording_uploaded").size();
            long cpu0 = cpuTicks(pid);
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                Path p = h.write("org-" + (i % 7), "CA" + i, "rec-" + i, TestWav.make(TestWav.PCM, 8000, 1, lengthMs, false, i));
                h.sendEvent(FakeFreeSwitch.recordEvent("RECORD_STOP", "uuid-" + i, p.toString()));
                Thread.sleep(intervalMs);
            }
            h.await(count + " uploads", () -> h.events("recording_uploaded").size() - skip + h.events("recording_upload_failed").size() >= count);
            double wallS = (System.nanoTime() - t0) / 1e9;
            long cpu1 = cpuTicks(pid);
            long rssKb = statusKb(pid, "VmRSS:");
            long hwmKb = statusKb(pid, "VmHWM:");
            a.kill();
            List<Long> lat = new ArrayList<>();
            for (JsonObject e : h.events("recording_uploaded")) {
                if (!e.get("organization_id").getAsString().equals("warmup")) {
                    lat.add(e.get("latency_ms").getAsLong());
                }
            }
            Collections.sort(lat);
            double cpuS = (cpu1 - cpu0) / 100.0; // USER_HZ
            System.out.printf("recordings=%d uploaded=%d failed=%d size=%d bytes interval=%d ms wall=%.1f s%n",
                    count, lat.size(), h.events("recording_upload_failed").size(),
                    TestWav.make(TestWav.PCM, 8000, 1, lengthMs, false, 0).length, intervalMs, wallS);
            System.out.printf("latency RECORD_STOP->verified object (ms): p50=%d p95=%d max=%d%n",
                    pct(lat, 50), pct(lat, 95), lat.isEmpty() ? -1 : lat.get(lat.size() - 1));
            System.out.printf("agent cpu: %.2f s over %.1f s = %.1f%% of one core; rss at end %d MiB, peak %d MiB%n",
                    cpuS, wallS, 100 * cpuS / wallS, rssKb / 1024, hwmKb / 1024);
            System.out.printf("agent start (JVM exec) to ESL connected: %d ms; %d warm-up recordings before the measurement: latency %s ms%n",
                    startToConnectedMs, WARMUP, warm);
        }
    }

    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    }

    static long statusKb(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith(key)) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Nearest-rank percentile. */
    static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
