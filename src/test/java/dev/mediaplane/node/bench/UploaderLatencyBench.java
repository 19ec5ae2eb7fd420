package dev.mediaplane.node.bench;

import com.google.gson.JsonObject;
import dev.mediaplane.node.UploaderHarness;
import dev.mediaplane.node.Wav;
import dev.mediaplane.testing.GcpStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Benchmark, not a test: latency from file close (mtime) to verified object, as the uploader itself
 * reports it in {@code recording_uploaded.latency_ms}, for N recordings written one after another
 * into a running watcher, against the loopback stand-in. Run by bench/uploader-latency.sh.
 *
 * <p>Args: count (200), interval between recordings in ms (250), recording length in ms (10000).
 */
public final class UploaderLatencyBench {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long intervalMs = args.length > 1 ? Long.parseLong(args[1]) : 250;
        int lengthMs = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        Path root = Files.createTempDirectory("mp-uploader-bench");
        var cloud = UploaderHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp();
                UploaderHarness h = new UploaderHarness(root, cloud)) {
            h.env.put("MP_QUIET_SECONDS", "60");
            h.withoutRmShim();
            for (int i = 0; i < count; i++) {
                // A call's directory exists from call start; the recording closes at hangup.
                Files.createDirectories(h.recordings.resolve("org-" + (i % 7)).resolve("CA" + i));
            }
            UploaderHarness.Running w = h.start("watch");
            h.await("the watcher", () -> !h.events("uploader_watching").isEmpty());
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                h.write("org-" + (i % 7), "CA" + i, "rec-" + i, Wav.make(Wav.PCM, 8000, 1, lengthMs, false, i));
                Thread.sleep(intervalMs);
            }
            h.await(count + " uploads", () -> h.events("recording_uploaded").size() + h.events("recording_upload_failed").size() >= count);
            double wallS = (System.nanoTime() - t0) / 1e9;
            w.kill();
            List<Long> lat = new ArrayList<>();
            for (JsonObject e : h.events("recording_uploaded")) {
                lat.add(e.get("latency_ms").getAsLong());
            }
            Collections.sort(lat);
            System.out.printf("recordings=%d uploaded=%d failed=%d size=%d bytes interval=%d ms wall=%.1f s%n",
                    count, lat.size(), h.events("recording_upload_failed").size(),
                    Wav.make(Wav.PCM, 8000, 1, lengthMs, false, 0).length, intervalMs, wallS);
            System.out.printf("latency close->verified object (ms): p50=%d p95=%d max=%d%n",
                    pct(lat, 50), pct(lat, 95), lat.isEmpty() ? -1 : lat.get(lat.size() - 1));
        }
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
