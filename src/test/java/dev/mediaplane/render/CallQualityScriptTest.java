package dev.mediaplane.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CDR-to-log step behind the packet-loss metric, run by bash on CDRs shaped like mod_json_cdr's. */
class CallQualityScriptTest {

    static String cdr(String uuid, String media, String flaws, String mos, String callSid) {
        return "{\"core-uuid\":\"c0\",\"switchname\":\"n1\",\"channel_data\":{\"state\":\"CS_REPORTING\"},\"variables\":{"
                + "\"uuid\":\"" + uuid + "\",\"mp_call_sid\":\"" + callSid + "\",\"mp_organization_id\":\"org42\","
                + "\"rtp_audio_in_packet_count\":\"999\",\"rtp_audio_in_media_packet_count\":\"" + media + "\","
                + "\"rtp_audio_in_skip_packet_count\":\"12\",\"rtp_audio_in_flaw_total\":\"" + flaws + "\","
                + "\"rtp_audio_in_mos\":\"" + mos + "\"},\"times\":{}}\n";
    }

    @Test
    void eachOldEnoughCdrBecomesOneCallQualityLineAndIsRemoved(@TempDir Path tmp) throws Exception {
        NodeSandbox node = new NodeSandbox(tmp);
        Path dir = Files.createDirectories(node.root.resolve("var/log/freeswitch/json_cdr"));
        Path lossy = dir.resolve("a1.cdr.json");
        Files.writeString(lossy, cdr("a1", "950", "50", "3.91", "CA1"));
        Path clean = dir.resolve("b2.cdr.json");
        Files.writeString(clean, cdr("b2", "1000", "0", "4.50", "CA2\"},\"x\":\"y"));
        Path noMedia = dir.resolve("c3.cdr.json");
        Files.writeString(noMedia, cdr("c3", "0", "0", "0", "CA3"));
        for (Path p : List.of(lossy, clean, noMedia)) {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        }
        Path young = dir.resolve("d4.cdr.json");
        Files.writeString(young, cdr("d4", "10", "10", "1.0", "CA4"));

        String script = new String(Renderer.render(Scenarios.config("dev")).file("node/mediaplane-call-quality.sh"),
                StandardCharsets.UTF_8);
        Tools.Result r = node.runScript("call-quality.sh", script, node.env(null), List.of(), null);
        assertEquals(0, r.exit(), r.output());
        List<String> lines = r.output().lines().toList();
        assertEquals(2, lines.size(), r.output());
        assertTrue(lines.contains("{\"event\":\"call_quality\",\"packet_loss_percent\":5.00,\"media_packets\":950,"
                + "\"lost_packets\":50,\"mos\":3.91,\"call_uuid\":\"a1\",\"call_sid\":\"CA1\",\"organization_id\":\"org42\"}"), r.output());
        // A hostile id cannot break the JSON line the log-based metric parses.
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"packet_loss_percent\":0.00") && l.contains("\"call_sid\":\"CA2\"")),
                r.output());
        assertFalse(Files.exists(lossy) || Files.exists(clean) || Files.exists(noMedia), "processed CDRs are removed");
        assertTrue(Files.exists(young), "a CDR still being written is left for the next run");
        assertTrue(Files.readString(node.root.getParent().resolve("call-quality.sh")).contains("rtp_audio_in_flaw_total"));
    }
}
