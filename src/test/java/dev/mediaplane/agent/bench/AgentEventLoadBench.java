package dev.mediaplane.agent.bench;

import dev.mediaplane.agent.AgentHarness;
import dev.mediaplane.agent.AgentMain;
import dev.mediaplane.config.StackFileLoader;
import dev.mediaplane.esl.FakeFreeSwitch;
import dev.mediaplane.render.AgentJarTest;
import dev.mediaplane.render.Bundle;
import dev.mediaplane.render.Renderer;
import dev.mediaplane.testing.GcpStandIn;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test: the agent's CPU and memory under call-event load, with the JVM flags of the rendered
 * {@code mediaplane-agent.service} (read from its real {@code ExecStart}, so the figure is the unit's, not a
 * guess). A child JVM runs {@link AgentMain} against the loopback stand-in and a fake FreeSWITCH; the bench opens
 * {@code calls} answered inbound calls (CHANNEL_CREATE + CHANNEL_ANSWER), then for {@code seconds} sends
 * {@code rate} events a second as call cycles (CREATE, ANSWER, HANGUP_COMPLETE with the RTP statistics variables,
 * DESTROY) that keep the number of active calls at {@code calls}. Every event carries the ~120 channel headers a
 * real FreeSWITCH event has (sizes like switch_channel_event_set_data's), so parsing costs what it costs on a node.
 * Prints the agent's share of one core over the steady phase, its RSS after the calls are open and at the end, and
 * its peak RSS. Run by bench/agent-event-load.sh.
 *
 * <p>Args: calls (500), events per second (100), seconds (60).
 */
public final class AgentEventLoadBench {

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        List<String> flags = unitJvmFlags();
        Path root = Files.createTempDirectory("mp-agent-load");
        var cloud = AgentHarness.plannedCloud();
        try (GcpStandIn gcp = cloud.gcp(); AgentHarness h = new AgentHarness(root, cloud, false)) {
            h.env.put("MP_SWEEP_SECONDS", "300");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(flags);
            cmd.addAll(List.of("-cp", AgentHarness.agentClasspath(), AgentMain.class.getName(), "--node-env", h.nodeEnv.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("MP_") || k.startsWith("GOOGLE_") || k.equals("GCE_METADATA_HOST"));
            pb.environment().putAll(h.env);
            Process agent = pb.start();
            CountDownLatch connected = new CountDownLatch(1);
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        if (l.contains("\"esl_state\"") && l.contains("\"connected\"")) {
                            connected.countDown();
                        }
                    }
                } catch (Exception ignored) {
                    // the agent is gone
                }
            }, "agent-output");
            pump.setDaemon(true);
            pump.start();
            try {
                FakeFreeSwitch.Session esl = h.fs.nextSession(60);
                if (!esl.awaitSubscribed() || !connected.await(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("the agent never subscribed / connected");
                }
                long pid = agent.pid();
                for (int i = 0; i < calls; i++) {
                    h.sendEvent(channelEvent("CHANNEL_CREATE", "open-" + i, false));
                    h.sendEvent(channelEvent("CHANNEL_ANSWER", "open-" + i, false));
                }
                Thread.sleep(2000);
                long rssOpen = AgentLatencyBench.statusKb(pid, "VmRSS:");
                long cpu0 = AgentLatencyBench.cpuTicks(pid);
                long t0 = System.nanoTime();
                long sent = 0;
                int cycle = 0;
                long periodNs = 1_000_000_000L / rate;
                while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
                    // Each cycle ends one open call and opens another, so `calls` stay active.
                    String ending = cycle < calls ? "open-" + cycle : "cyc-" + (cycle - calls);
                    String fresh = "cyc-" + cycle;
                    String[][] four = {{"CHANNEL_CREATE", fresh}, {"CHANNEL_ANSWER", fresh},
                            {"CHANNEL_HANGUP_COMPLETE", ending}, {"CHANNEL_DESTROY", ending}};
                    for (String[] ev : four) {
                        h.sendEvent(channelEvent(ev[0], ev[1], ev[0].equals("CHANNEL_HANGUP_COMPLETE")));
                        sent++;
                        long due = t0 + sent * periodNs;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    cycle++;
                }
                double wallS = (System.nanoTime() - t0) / 1e9;
                long cpu1 = AgentLatencyBench.cpuTicks(pid);
                long rssEnd = AgentLatencyBench.statusKb(pid, "VmRSS:");
                long hwm = AgentLatencyBench.statusKb(pid, "VmHWM:");
                double cpuS = (cpu1 - cpu0) / 100.0; // USER_HZ
                System.out.printf("jvm flags (from the rendered mediaplane-agent.service ExecStart): %s%n", String.join(" ", flags));
                System.out.printf("active calls %d; events sent %d in %.1f s = %.0f events/s%n", calls, sent, wallS, sent / wallS);
                System.out.printf("agent cpu: %.2f s over %.1f s = %.1f%% of one core%n", cpuS, wallS, 100 * cpuS / wallS);
                System.out.printf("agent rss: %d MiB with %d calls open, %d MiB at the end, peak %d MiB%n",
                        rssOpen / 1024, calls, rssEnd / 1024, hwm / 1024);
                // What the agent made of the load (a dropped event would show here): its own /metrics.
                Thread.sleep(1000);
                String metrics = h.get("/metrics").body();
                System.out.println("agent /metrics after the run: " + metrics.lines()
                        .filter(l -> l.startsWith("mediaplane_active_calls ") || l.startsWith("mediaplane_calls_finished_total{")
                                || l.startsWith("mediaplane_call_mos_count") || l.startsWith("mediaplane_esl_events_dropped"))
                        .toList());
            } finally {
                agent.destroyForcibly();
                agent.waitFor(30, TimeUnit.SECONDS);
            }
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

    /**
     * A channel event with the headers FreeSWITCH puts on every channel event (about 120 of them, a few KB), the
     * call's mp_* variables, and on hangup the rtp_audio_in_* statistics the agent reads.
     */
    static Map<String, String> channelEvent(String name, String uuid, boolean hangup) {
        Map<String, String> h = new LinkedHashMap<>(FakeFreeSwitch.event(name));
        h.put("Unique-ID", uuid);
        h.put("Channel-Call-UUID", uuid);
        h.put("Call-Direction", "inbound");
        h.put("Channel-Name", "sofia/external/+15550100@trunk.example.com");
        h.put("Channel-State", hangup ? "CS_HANGUP" : "CS_EXECUTE");
        h.put("Answer-State", hangup ? "hangup" : "answered");
        h.put("Caller-Caller-ID-Number", "+15550100");
        h.put("Caller-Destination-Number", "+15550199");
        h.put("Caller-Network-Addr", "203.0.113.10");
        h.put("Caller-Channel-Answered-Time", "1764669600000000");
        h.put("variable_mp_call_sid", "CA" + uuid);
        h.put("variable_mp_organization_id", "org-1");
        h.put("variable_mp_recording_id", "rec-" + uuid);
        for (int i = 0; i < 100; i++) {
            h.put("variable_sip_h_X-Bench-" + i, "value-" + i + "-" + uuid);
        }
        if (hangup) {
            h.put("Hangup-Cause", "NORMAL_CLEARING");
            h.put("variable_answer_epoch", "1764669600");
            h.put("variable_rtp_audio_in_media_packet_count", "9000");
            h.put("variable_rtp_audio_in_flaw_total", "12");
            h.put("variable_rtp_audio_in_jitter_min_variance", "1.5");
            h.put("variable_rtp_audio_in_jitter_max_variance", "9.0");
            h.put("variable_rtp_audio_in_mos", "4.32");
        }
        return h;
    }
}
