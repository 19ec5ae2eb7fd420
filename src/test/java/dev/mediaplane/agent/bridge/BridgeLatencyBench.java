package dev.mediaplane.agent.bridge;

import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.render.AgentJarTest;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test; bench/bridge-latency.sh runs it): N concurrent stereo calls streamed through the real
 * StreamBridge for S seconds, the bridge in a JVM of its own ({@link BridgeBenchProcess}, the JVM flags of the
 * rendered mediaplane-agent.service, optionally pinned to its own cores with taskset), this driver holding
 * everything else: the FreeSWITCH ESL stand-in, the tap writers (a 20 ms frame per call appended in one write,
 * each call at its own phase, the write time of every frame kept) and the Deepgram stand-in over TLS (the
 * arrival time and byte count of every message kept). Prints, for frames written inside the measured window:
 * median/p95/max of frame written -> its last byte received by the stand-in (an upper bound of the bridge's
 * send: the stand-in's TLS decryption is in it), and of frame written -> the final turn covering it published;
 * the bridge process's CPU (/proc utime+stime) as a share of one core; its RSS (VmRSS sampled every second) at
 * 0 and N streams and (RSS(N) - RSS(0)) / N; the driver's own CPU (near 100% of its core: the figures are
 * the driver's, not the bridge's). Ends with one {@code result k=v ...} line the script takes medians of.
 *
 * <p>With a warm-up of W s the window is W + S s long: the latencies are over all of it, the CPU is printed over
 * all of it, over its last S s (the steady state of a long-running agent: C2 has compiled the hot paths) and
 * from the first call's start (the sessions' TLS handshakes and the ramp included), with the split by thread for
 * the whole window and for the steady part.
 *
 * <p>Arguments: streams, seconds, message ms (0: the bridge's default), warm-up seconds (default 0). System
 * properties:
 * {@code bench.bridgeCpus} (a taskset cpu list for the bridge; empty: not pinned), {@code bench.bridgeJvm}
 * (extra JVM options for the bridge, space separated, e.g. a JFR recording).
 */
public final class BridgeLatencyBench {

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int messageMs = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int effectiveMs = messageMs > 0 ? messageMs : BridgeSettings.defaults().deepgram().messageMillis();
        String cpus = System.getProperty("bench.bridgeCpus", "");
        String extra = System.getProperty("bench.bridgeJvm", "");
        List<String> flags = unitJvmFlags();
        Path root = Files.createTempDirectory("bridge-bench");
        Map<String, String> uuidOfCall = new ConcurrentHashMap<>();
        ScheduledExecutorService writers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "tap-writer");
            t.setDaemon(true);
            return t;
        });
        try (Harness h = new Harness(root)) {
            h.splitWrites = false;
            h.tapWriters = writers;
            Path props = root.resolve("bridge.properties");
            Path turnsFile = root.resolve("turns.txt");
            Path err = root.resolve("bridge.err");
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(props))) {
                w.println("streams.dir=" + h.streams);
                w.println("recordings.dir=" + h.recordings);
                w.println("secrets.dir=" + h.secrets);
                w.println("esl.port=" + h.fs.port());
                w.println("esl.password=" + Harness.ESL_PASSWORD);
                w.println("deepgram.base=" + h.deepgram.base());
                w.println("assemblyai.base=" + h.assemblyai.base());
                w.println("tls.p12=" + TestTls.keyStoreFile());
                w.println("message.ms=" + messageMs);
                w.println("turns.file=" + turnsFile);
                w.println("log.file=" + root.resolve("bridge.log"));
            }
            List<String> cmd = new ArrayList<>();
            if (!cpus.isBlank()) {
                cmd.addAll(List.of("taskset", "-c", cpus));
            }
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(flags);
            if (!extra.isBlank()) {
                cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BridgeBenchProcess.class.getName(),
                    props.toString()));
            Process bridge = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(bridge.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (Exception ignored) {
                    // the bridge is gone
                }
            }, "bridge-output");
            pump.setDaemon(true);
            pump.start();
            PrintWriter toBridge = new PrintWriter(bridge.getOutputStream(), true, StandardCharsets.UTF_8);
            try {
                h.fs.awaitSession();
                expect(lines, "ready", 60, bridge, err);
                long pid = bridge.pid();
                Thread.sleep(3000);
                long rss0 = medianRss(pid, 3);
                ProcessHandle ph = ProcessHandle.of(pid).orElseThrow();
                long cpuStart = cpuNanos(ph);
                long tStart = System.nanoTime();
                // Calls start in batches of 20 (real calls arrive spread out; 200 TLS handshakes at once on one
                // busy core can outlast the bridge's 10 s connect timeout and turn into a reconnect storm).
                for (int i = 0; i < streams; i++) {
                    String uuid = String.format("%08x-0000-4000-8000-%012x", i, i);
                    uuidOfCall.put("CA" + i, uuid);
                    h.park(uuid, "org1", "CA" + i, "RE" + i);
                    h.streamToAi(uuid, "deepgram");
                    int started = i + 1;
                    if (started % 20 == 0 || started == streams) {
                        Harness.await(started + " sessions up", Duration.ofSeconds(120), () -> h.deepgram.conns.size() >= started);
                    }
                }
                Thread.sleep(3000); // connect storms settle, the JIT has compiled the hot path: the steady state
                toBridge.println("window");
                long cpu0 = cpuNanos(ph);
                long self0 = cpuNanos(ProcessHandle.current());
                long t0 = System.nanoTime();
                List<Long> rss = new ArrayList<>();
                long cpuSteady0 = cpu0;
                long tSteady = t0;
                for (int s = 0; s < warmup + seconds; s++) {
                    Thread.sleep(Math.max(0, (t0 + (s + 1) * 1_000_000_000L - System.nanoTime()) / 1_000_000));
                    rss.add(ProcStatus.kb(pid, "VmRSS:"));
                    if (s + 1 == warmup) {
                        toBridge.println("steady");
                        cpuSteady0 = cpuNanos(ph);
                        tSteady = System.nanoTime();
                    }
                }
                long tEnd = System.nanoTime();
                long wall = tEnd - t0;
                long cpuEnd = cpuNanos(ph);
                long cpu = cpuEnd - cpu0;
                double steadyPct = 100.0 * (cpuEnd - cpuSteady0) / (tEnd - tSteady);
                double fromStartPct = 100.0 * (cpuEnd - cpuStart) / (tEnd - tStart);
                long self = cpuNanos(ProcessHandle.current()) - self0;
                toBridge.println("end");
                String threads = expect(lines, "threads", 30, bridge, err);
                String steadyThreads = expect(lines, "steady-threads", 30, bridge, err);
                long hwm = ProcStatus.kb(pid, "VmHWM:");
                for (int i = 0; i < streams; i++) {
                    h.hangup(uuidOfCall.get("CA" + i));
                }
                toBridge.println("finish " + streams);
                String finished = expect(lines, "finished", 120, bridge, err);
                bridge.waitFor(30, TimeUnit.SECONDS);

                List<Long> toProvider = new ArrayList<>();
                int slices = (int) Math.max(1, wall / 10_000_000_000L); // the last slice takes the window's few ms over
                List<List<Long>> bySlice = new ArrayList<>();
                for (int i = 0; i < slices; i++) {
                    bySlice.add(new ArrayList<>());
                }
                for (FakeSpeechServer.Conn c : h.deepgram.conns) {
                    byte[] a = c.audioBytes(); // the first bytes identify the tap: match by content
                    for (FakeTap t : h.taps.values()) {
                        byte[] w = t.bytes();
                        if (a.length >= 64 && w.length >= 64 && Arrays.equals(a, 0, 64, w, 0, 64)) {
                            toProvider.addAll(latenciesMs(t, c, t0, t0 + wall));
                            for (int i = 0; i < slices; i++) {
                                long from = t0 + i * 10_000_000_000L;
                                long to = i == slices - 1 ? t0 + wall : from + 10_000_000_000L;
                                bySlice.get(i).addAll(latenciesMs(t, c, from, to));
                            }
                        }
                    }
                }
                StringBuilder sliced = new StringBuilder();
                for (int i = 0; i < slices; i++) {
                    List<Long> l = bySlice.get(i);
                    l.sort(null);
                    sliced.append(String.format(" %d-%ds %d/%d", i * 10, i == slices - 1 ? warmup + seconds : (i + 1) * 10, q(l, 50),
                            q(l, 95)));
                }
                List<Long> toTurn = new ArrayList<>();
                for (String l : Files.readAllLines(turnsFile)) {
                    String[] w = l.split(" "); // call_sid end_ms nanos
                    FakeTap tap = h.taps.get(uuidOfCall.get(w[0]));
                    long endMs = Long.parseLong(w[1]);
                    int frame = (int) (endMs / 20) - 1;
                    if (tap != null && frame >= 0 && frame < tap.frameDoneNanos.size() && endMs % 500 == 0) {
                        long written = tap.frameDoneNanos.get(frame);
                        if (written >= t0 && written <= t0 + wall) {
                            toTurn.add((Long.parseLong(w[2]) - written) / 1_000_000);
                        }
                    }
                }
                toProvider.sort(null);
                toTurn.sort(null);
                rss.sort(null);
                long rssN = rss.get(rss.size() / 2);
                double cpuPct = 100.0 * cpu / wall;
                System.out.printf("bridge jvm: %s%s%s%n", String.join(" ", flags), extra.isBlank() ? "" : " " + extra.trim(), cpus.isBlank() ? "" : " (taskset -c " + cpus + ")");
                System.out.printf("streams: %d stereo 8 kHz, %d ms per message, %d s measured (%d s warm-up + %d s steady), "
                                + "%d frames, %d final turns%n",
                        streams, effectiveMs, warmup + seconds, warmup, seconds, toProvider.size(), toTurn.size());
                System.out.printf("write->provider ms: median %d p95 %d max %d%n", q(toProvider, 50), q(toProvider, 95),
                        q(toProvider, 100));
                System.out.println("write->provider ms median/p95 by 10 s of the window:" + sliced);
                System.out.printf("write->final turn published ms: median %d p95 %d%n", q(toTurn, 50), q(toTurn, 95));
                System.out.printf("bridge process CPU over the window: %.1f%% of one core (%.3f%% per stream)%n", cpuPct,
                        cpuPct / streams);
                System.out.printf("bridge process CPU steady (the last %d s): %.1f%% of one core%n", seconds, steadyPct);
                System.out.printf("bridge process CPU from the first call's start (ramp-up, handshakes, settling, window, "
                        + "%d s): %.1f%% of one core%n", (tEnd - tStart) / 1_000_000_000L, fromStartPct);
                System.out.println("bridge CPU by thread (ms over the window): " + threads.substring("threads".length()).trim());
                System.out.println("bridge CPU by thread (ms over the steady part): "
                        + steadyThreads.substring("steady-threads".length()).trim());
                System.out.printf("bridge RSS: %d MiB at 0 streams, %d MiB at %d (median), peak %d MiB: %d KiB per stream%n",
                        rss0 / 1024, rssN / 1024, streams, hwm / 1024, (rssN - rss0) / streams);
                System.out.printf("driver CPU (writers, ESL and TLS stand-ins): %.1f%% of one core%n", 100.0 * self / wall);
                System.out.println("bridge " + finished);
                System.out.printf("result streams=%d message_ms=%d cpu_pct=%.1f steady_cpu_pct=%.1f start_cpu_pct=%.1f p50_ms=%d p95_ms=%d max_ms=%d turn_p50_ms=%d "
                                + "turn_p95_ms=%d rss0_mib=%d rssN_mib=%d rss_per_stream_kib=%d driver_cpu_pct=%.1f%n",
                        streams, effectiveMs, cpuPct, steadyPct, fromStartPct, q(toProvider, 50), q(toProvider, 95), q(toProvider, 100), q(toTurn, 50),
                        q(toTurn, 95), rss0 / 1024, rssN / 1024, (rssN - rss0) / streams, 100.0 * self / wall);
            } finally {
                bridge.destroyForcibly();
                bridge.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }
    }

    private static String expect(BlockingQueue<String> lines, String prefix, int seconds, Process p, Path err)
            throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            String l = lines.poll(200, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l;
            }
            if (l != null) {
                System.err.println("bridge stdout: " + l); // e.g. the JVM's "Terminating due to java.lang.OutOfMemoryError"
            }
            if (l == null && !p.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("the bridge process did not print '" + prefix + "' within " + seconds + " s (alive "
                + p.isAlive() + "); its stderr:\n" + Files.readString(err));
    }

    private static long cpuNanos(ProcessHandle p) {
        return p.info().totalCpuDuration().orElseThrow(() -> new AssertionError("no CPU time for pid " + p.pid())).toNanos();
    }

    private static long medianRss(long pid, int samples) throws Exception {
        List<Long> s = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            s.add(ProcStatus.kb(pid, "VmRSS:"));
            Thread.sleep(500);
        }
        s.sort(null);
        return s.get(samples / 2);
    }

    /** /proc/<pid>/status fields in KiB. */
    static final class ProcStatus {
        static long kb(long pid, String key) throws java.io.IOException {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith(key)) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            throw new AssertionError("no " + key + " in /proc/" + pid + "/status");
        }
    }

    /** The JVM flags between the java binary and {@code -jar} in the rendered unit's ExecStart. */
    static List<String> unitJvmFlags() throws Exception {
        var config = StackFileLoader.load(Path.of("").toAbsolutePath(), "dev").config();
        Bundle bundle = Renderer.render(config);
        List<String> words = AgentJarTest.execStart(new String(bundle.file("node/mediaplane-agent.service"), StandardCharsets.UTF_8));
        int jar = words.indexOf("-jar");
        if (jar < 1) {
            throw new AssertionError("the unit's ExecStart does not run a jar: " + words);
        }
        return words.subList(1, jar);
    }

    /** As DeepgramBridgeTest.latenciesMs, for frames written inside the measured window only. */
    static List<Long> latenciesMs(FakeTap tap, FakeSpeechServer.Conn c, long from, long to) {
        List<Long> out = new ArrayList<>();
        List<long[]> arr = new ArrayList<>(c.arrivals);
        List<Long> done = new ArrayList<>(tap.frameDoneNanos);
        int j = 0;
        for (int i = 0; i < done.size(); i++) {
            long end = (long) (i + 1) * tap.frameBytes;
            while (j < arr.size() && arr.get(j)[1] < end) {
                j++;
            }
            if (j == arr.size()) {
                break;
            }
            if (done.get(i) >= from && done.get(i) <= to) {
                out.add((arr.get(j)[0] - done.get(i)) / 1_000_000);
            }
        }
        return out;
    }

    private static long q(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }
}
