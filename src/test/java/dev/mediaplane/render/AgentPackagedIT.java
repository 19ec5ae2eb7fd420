package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mediaplane.agent.AgentHarness;
import dev.mediaplane.agent.recordings.TestWav;
import dev.mediaplane.testing.GcpStandIn;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent as the node runs it: the PACKAGED jar (target/mediaplane-agent.jar, the pom's second shade
 * execution, with its excludes) under the rendered unit's own JVM flags, against the loopback GCS/Pub/Sub/metadata
 * stand-in (IAM included) and a fake FreeSWITCH over ESL ({@link AgentHarness}'s setup). A backlog of recordings is
 * uploaded, verified and published through the real Google clients inside the jar: a class an exclude removed but
 * the agent loads fails this test. It prints the agent's peak RSS (VmHWM) under that load and holds it under
 * 160 MiB, and the SIGTERM exit status the unit treats as success.
 */
class AgentPackagedIT {

    static final int RECORDINGS = 120;

    @TempDir Path tmp;

    @Test
    void thePackagedJarUploadsABacklogUnderTheUnitsFlagsUnder160MiBAndStopsWith143() throws Exception {
        NodeContract c = NodeContract.STANDARD;
        String unit = new String(Renderer.render(Scenarios.config("dev")).file("node/" + c.units().agentService()),
                StandardCharsets.UTF_8);
        List<String> cmd = AgentJarTest.execStart(unit);
        int jar = cmd.indexOf("-jar");
        cmd.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.set(jar + 1, AgentJarIT.JAR.toString());
        assertTrue(unit.lines().anyMatch(l -> l.equals("SuccessExitStatus=143")), "the unit treats the agent's SIGTERM exit as success");

        var cloud = AgentHarness.plannedCloud();
        GcpStandIn gcp = cloud.gcp();
        try (AgentHarness h = new AgentHarness(tmp, cloud, false)) {
            cmd.set(cmd.size() - 1, h.nodeEnv.toString());
            Map<String, byte[]> written = new LinkedHashMap<>();
            for (int i = 0; i < RECORDINGS; i++) {
                // 8 kHz mono PCM, 2-10 s each: 32-160 KB, about 11 MB in all.
                byte[] wav = TestWav.make(TestWav.PCM, 8000, 1, 2000 + (i % 5) * 2000, false, i);
                Path p = h.write("org-" + (i % 4), "CA" + i, "rec-" + i, wav);
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));
                written.put("org/org-" + (i % 4) + "/recordings/CA" + i + "/rec-" + i + ".wav", wav);
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("MP_") || k.startsWith("GOOGLE_") || k.equals("GCE_METADATA_HOST"));
            pb.environment().putAll(h.env);
            Process p = pb.start();
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        out.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // gone
                }
            });
            pump.setDaemon(true);
            pump.start();
            try {
                long peakKib = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (count(out, "\"event\":\"recording_evidence_published\"") < RECORDINGS) {
                    assertTrue(p.isAlive(), () -> "the packaged agent exited " + exitOf(p) + ":\n" + text(out));
                    assertTrue(System.nanoTime() < deadline, () -> "backlog not published in 180 s:\n" + text(out));
                    peakKib = Math.max(peakKib, status(p, "VmHWM:"));
                    Thread.sleep(50);
                }
                peakKib = Math.max(peakKib, status(p, "VmHWM:"));
                // A few more sweeps and scrapes on the idle agent.
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, h.get("/metrics").statusCode());
                }
                Thread.sleep(2000);
                peakKib = Math.max(peakKib, status(p, "VmHWM:"));
                long rssKib = status(p, "VmRSS:");

                Map<String, GcpStandIn.StoredObject> objects = gcp.objects(h.bucket);
                for (var e : written.entrySet()) {
                    GcpStandIn.StoredObject o = objects.get(e.getKey());
                    assertTrue(o != null, "no object " + e.getKey());
                    assertEquals(GcpStandIn.md5B64(e.getValue()), o.md5(), e.getKey());
                    assertTrue(objects.containsKey(e.getKey().replaceAll("\\.wav$", ".manifest.json")), "no manifest for " + e.getKey());
                }
                assertEquals(RECORDINGS, h.consumer.received().size(), "one evidence event per recording");
                try (var s = Files.find(h.recordings, 3, (f, a) -> a.isRegularFile())) {
                    assertEquals(0, s.count(), "every verified recording is deleted locally");
                }
                String log = text(out);
                assertFalse(log.contains("NoClassDefFoundError") || log.contains("ClassNotFoundException"), log);
                System.out.println("packaged agent jar (" + Files.size(AgentJarIT.JAR) / 1024 + " KiB), unit flags, "
                        + RECORDINGS + " recordings (" + written.values().stream().mapToLong(b -> b.length).sum() / 1024
                        + " KiB) uploaded and published: peak VmHWM " + peakKib + " KiB (" + peakKib / 1024
                        + " MiB), VmRSS after " + rssKib + " KiB (" + rssKib / 1024 + " MiB)");
                assertTrue(peakKib < 160 * 1024, "peak RSS " + peakKib + " KiB with the unit's flags, over 160 MiB");

                p.toHandle().destroy(); // SIGTERM, as systemctl stop
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the agent ignored SIGTERM");
                assertEquals(143, p.exitValue(), "SIGTERM exit: the unit's SuccessExitStatus");
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            gcp.close();
        }
    }

    private static long count(List<String> lines, String needle) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.contains(needle)).count();
        }
    }

    private static String text(List<String> lines) {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    private static String exitOf(Process p) {
        return p.isAlive() ? "(alive)" : String.valueOf(p.exitValue());
    }

    /** A kB field of /proc/<pid>/status; 0 once the process is gone. */
    private static long status(Process p, String field) {
        try {
            return Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream().filter(l -> l.startsWith(field))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
        } catch (java.io.IOException gone) {
            return 0;
        }
    }
}
