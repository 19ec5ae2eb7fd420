package dev.mediaplane.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uploader's systemd units: they start the shipped script, and systemd accepts them. */
class UploaderUnitsTest {

    static final Path NODE = Path.of("startup-scripts/node");
    /** The services are rendered from the node contract; the script and the timer ship verbatim. */
    static final dev.mediaplane.render.Bundle BUNDLE = dev.mediaplane.render.Renderer.render(
            dev.mediaplane.config.StackFileLoader.load(Path.of(System.getProperty("user.dir")), "dev").config());

    static String unit(String name) {
        return new String(BUNDLE.file("node/" + name), StandardCharsets.UTF_8);
    }
    static final List<String> UNITS = List.of(
            "mp-recording-uploader.service", "mp-recording-uploader-sweep.service", "mp-recording-uploader-sweep.timer");

    @Test
    void servicesRunTheShippedScriptFromTheInstallDirectory() throws Exception {
        Pattern exec = Pattern.compile("(?m)^ExecStart=/opt/mediaplane/node/(\\S+) (\\w+)$");
        for (String unit : List.of("mp-recording-uploader.service", "mp-recording-uploader-sweep.service")) {
            String text = unit(unit);
            Matcher m = exec.matcher(text);
            assertTrue(m.find(), unit + " has no ExecStart under /opt/mediaplane/node/");
            assertTrue(Files.isExecutable(NODE.resolve(m.group(1))), unit + " starts a script that is not shipped: " + m.group(1));
            assertEquals(unit.contains("sweep") ? "sweep" : "watch", m.group(2), unit);
            assertTrue(text.contains("SyslogIdentifier=mediaplane"), unit + ": log-based metrics read SYSLOG_IDENTIFIER mediaplane");
        }
        assertTrue(unit("mp-recording-uploader-sweep.timer").contains("WantedBy=timers.target"));
    }

    @Test
    void systemdAcceptsTheUnits(@TempDir Path tmp) throws Exception {
        boolean present = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "systemd-analyze")));
        Assumptions.assumeTrue(present, "systemd-analyze not installed");
        for (String unit : UNITS) {
            // /opt/mediaplane/node does not exist here; verify checks the executable exists.
            Files.writeString(tmp.resolve(unit), unit(unit)
                    .replaceAll("ExecStart=/opt/mediaplane/node/\\S+", "ExecStart=/bin/true"));
        }
        List<String> cmd = new java.util.ArrayList<>(List.of("systemd-analyze", "verify"));
        UNITS.forEach(u -> cmd.add(tmp.resolve(u).toString()));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify warnings");
    }
}
