package dev.mediaplane.agent.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ProcFs against this machine's real /proc (the JVM running the test), and a stale pid file. */
class ProcFsTest {

    @Test
    void readsThisJvmFromTheRealProc() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux procfs");
        ProcFs p = new ProcFs(Path.of("/proc"));
        long pid = ProcessHandle.current().pid();
        long rss = p.residentBytes(pid).orElseThrow();
        // The JVM's own view of its heap in use is a lower bound of its resident set; a 64 GiB upper bound catches kB/bytes slips.
        Runtime rt = Runtime.getRuntime();
        assertTrue(rss > (rt.totalMemory() - rt.freeMemory()) / 4 && rss < (64L << 30), "VmRSS " + rss);
        long before = p.cpuTicks(pid).orElseThrow();
        long spin = System.nanoTime();
        double x = 0;
        while (System.nanoTime() - spin < 300_000_000L) { // burn ~0.3 s of CPU so utime must move
            x += Math.sqrt(x + 1);
        }
        long after = p.cpuTicks(pid).orElseThrow();
        assertTrue(after > before, "utime+stime moved: " + before + " -> " + after + " (" + x + ")");
        // The JVM's own CPU clock agrees within a tick-rounding margin (CLK_TCK is 100).
        double jvmCpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        assertEquals(jvmCpu, after / ProcFs.CLK_TCK, Math.max(0.5, jvmCpu * 0.1));
        assertEquals(OptionalLong.of(pid), p.find(null, p.comm(pid), pid), "a cached pid whose comm still matches is kept");
    }

    @Test
    void aStalePidFileIsNotTrustedAndTheScanFindsTheProcess(@TempDir Path dir) throws Exception {
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("100"));
        Files.writeString(proc.resolve("100/comm"), "sshd\n");
        Files.createDirectories(proc.resolve("2345"));
        Files.writeString(proc.resolve("2345/comm"), "freeswitch\n");
        Files.createDirectories(proc.resolve("self"));
        Path pidFile = dir.resolve("freeswitch.pid");
        Files.writeString(pidFile, "100\n"); // recycled pid after a crash
        ProcFs p = new ProcFs(proc);
        assertEquals(OptionalLong.of(2345), p.find(pidFile, "freeswitch", -1));
        Files.writeString(pidFile, "garbage");
        assertEquals(OptionalLong.of(2345), p.find(pidFile, "freeswitch", -1));
        Files.writeString(proc.resolve("2345/comm"), "bash\n");
        assertEquals(OptionalLong.empty(), p.find(pidFile, "freeswitch", 2345), "a cached pid that changed name is dropped");
        assertEquals(OptionalLong.empty(), p.cpuTicks(999), "a process that is gone has no sample");
    }
}
