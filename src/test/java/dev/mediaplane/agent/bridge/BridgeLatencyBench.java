package dev.mediaplane.agent.bridge;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Benchmark (not a test; bench/bridge-latency.sh runs it): N concurrent stereo calls streamed through the real
 * StreamBridge (ESL stand-in, taps written every 20 ms, Deepgram stand-in over TLS on loopback) for S seconds.
 * Prints median and p95 of (a) a frame's write to the tap -> its arrival at the provider and (b) a frame's
 * write -> the final turn covering it published on the events topic, the bridge's own CPU (its threads and
 * the JDK HTTP client's, from ThreadMXBean; the stand-ins and the writers run in the same JVM and are not
 * counted) as a share of one core, and heap per stream.
 */
public final class BridgeLatencyBench {

    public static void main(String[] args) throws Exception {
        int streams = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int messageMs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path root = Files.createTempDirectory("bridge-bench");
        Map<String, String> uuidOfCall = new ConcurrentHashMap<>();
        List<long[]> turnArrivals = new CopyOnWriteArrayList<>(); // {call index, end_ms, nanos}
        try (Harness h = new Harness(root)) {
            h.splitWrites = false;
            h.settings = h.settings.withDeepgram(h.settings.deepgram().withMessageMillis(messageMs));
            Doubles.Publisher timing = new Doubles.Publisher() {
                @Override
                public String publish(byte[] data, Map<String, String> attributes) throws java.io.IOException {
                    long now = System.nanoTime();
                    if ("transcript.turn".equals(attributes.get("event_type"))) {
                        JsonObject o = JsonParser.parseString(new String(data, java.nio.charset.StandardCharsets.UTF_8))
                                .getAsJsonObject();
                        int call = Integer.parseInt(o.get("call_sid").getAsString().substring(2));
                        turnArrivals.add(new long[] {call, o.get("end_ms").getAsLong(), now});
                    }
                    return super.publish(data, attributes);
                }
            };
            h.bridge = new StreamBridge(h.settings, cmd -> h.esl.api(cmd), h.store, timing, h.log, h.observer);
            h.connectEsl();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            System.gc();
            long heap0 = used();
            for (int i = 0; i < streams; i++) {
                String uuid = String.format("%08x-0000-4000-8000-%012x", i, i);
                uuidOfCall.put("CA" + i, uuid);
                h.park(uuid, "org1", "CA" + i, "RE" + i);
                h.streamToAi(uuid, "deepgram");
            }
            Harness.await("every session up", Duration.ofSeconds(300), () -> h.deepgram.conns.size() == streams);
            Thread.sleep(2000); // connect storms settle; measure the steady state
            Map<String, Long> by0 = new java.util.TreeMap<>();
            long cpu0 = bridgeCpu(mx, by0);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            Map<String, Long> by = new java.util.TreeMap<>();
            long cpu = bridgeCpu(mx, by) - cpu0;
            long wall = System.nanoTime() - t0;
            System.gc();
            long heap = used() - heap0;
            for (int i = 0; i < streams; i++) {
                h.hangup(uuidOfCall.get("CA" + i));
            }
            for (int i = 0; i < streams; i++) {
                h.bridge.awaitTranscript("CA" + i, "RE" + i, Duration.ofSeconds(30));
            }
            List<Long> toProvider = new ArrayList<>();
            Map<String, FakeSpeechServer.Conn> connOf = new ConcurrentHashMap<>();
            for (FakeSpeechServer.Conn c : h.deepgram.conns) {
                // the first bytes identify the tap: match by content
                byte[] a = c.audioBytes();
                for (Map.Entry<String, FakeTap> e : h.taps.entrySet()) {
                    byte[] w = e.getValue().bytes();
                    if (a.length >= 64 && w.length >= 64 && java.util.Arrays.equals(a, 0, 64, w, 0, 64)) {
                        connOf.put(e.getKey(), c);
                    }
                }
            }
            for (Map.Entry<String, FakeSpeechServer.Conn> e : connOf.entrySet()) {
                toProvider.addAll(latenciesMs(h.taps.get(e.getKey()), e.getValue(), t0, t0 + wall));
            }
            List<Long> toTurn = new ArrayList<>();
            for (long[] t : turnArrivals) {
                FakeTap tap = h.taps.get(uuidOfCall.get("CA" + t[0]));
                int frame = (int) (t[1] / 20) - 1;
                if (frame >= 0 && frame < tap.frameDoneNanos.size() && t[1] % 500 == 0
                        && tap.frameDoneNanos.get(frame) >= t0 && tap.frameDoneNanos.get(frame) <= t0 + wall) {
                    toTurn.add((t[2] - tap.frameDoneNanos.get(frame)) / 1_000_000);
                }
            }
            toProvider.sort(null);
            toTurn.sort(null);
            System.out.printf("streams: %d stereo 8 kHz, %d ms per message, %d s measured, %d frames, %d final turns%n",
                    streams, messageMs, seconds, toProvider.size(), toTurn.size());
            System.out.printf("write->provider ms: median %d p95 %d max %d%n", q(toProvider, 50), q(toProvider, 95),
                    q(toProvider, 100));
            System.out.printf("write->final turn published ms: median %d p95 %d%n", q(toTurn, 50), q(toTurn, 95));
            System.out.printf("bridge CPU: %.1f%% of one core (%.3f%% per stream)%n", 100.0 * cpu / wall,
                    100.0 * cpu / wall / streams);
            StringBuilder split = new StringBuilder();
            by.forEach((k, v) -> split.append(String.format(" %s %.1f%%", k, 100.0 * (v - by0.getOrDefault(k, 0L)) / wall)));
            System.out.println("bridge CPU by thread:" + split);
            System.out.printf("heap after GC: %d KiB per stream%n", heap / 1024 / streams);
            System.out.printf("lost bytes: overflow %d, reconnect %d, reconnects %d%n", h.observer.get("lost.overflow"),
                    h.observer.get("lost.reconnect"), h.observer.get("reconnects"));
        }
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

    private static long used() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static long bridgeCpu(ThreadMXBean mx, Map<String, Long> by) {
        long sum = 0;
        for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti != null && (ti.getThreadName().startsWith("bridge-") || ti.getThreadName().startsWith("HttpClient"))) {
                long c = mx.getThreadCpuTime(ti.getThreadId());
                if (c > 0) {
                    sum += c;
                    by.merge(ti.getThreadName().replaceAll("-[0-9]+$", "").replaceAll("-[0-9]+-", "-"), c, Long::sum);
                }
            }
        }
        return sum;
    }
}
