package dev.mediaplane.agent.telemetry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time and resident memory of a process from procfs, without shelling out: {@code /proc/<pid>/stat}
 * fields 14 and 15 (utime, stime, in clock ticks) and {@code /proc/<pid>/status} VmRSS (kB).
 * Clock ticks are USER_HZ, which Linux fixes at 100 on every architecture the node runs on
 * (sysconf(_SC_CLK_TCK) would need native code or a fork).
 */
final class ProcFs {
    static final double CLK_TCK = 100.0;

    private final Path root;

    /** @param root the procfs mount ({@code /proc}; tests hand a directory of the same shape) */
    ProcFs(Path root) {
        this.root = root;
    }

    /** utime + stime in seconds, or empty when the process is gone or the file is unreadable. */
    OptionalLong cpuTicks(long pid) {
        try {
            String stat = Files.readString(root.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
            // comm (field 2) is in parentheses and may hold spaces or ')': the fields after the LAST ')' are fixed.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            return OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12])); // f[0] is field 3 (state)
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** VmRSS in bytes, or empty (gone, unreadable, or a kernel thread without one). */
    OptionalLong residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(root.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] w = line.substring(6).trim().split(" +");
                    return OptionalLong.of(Long.parseLong(w[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone between the lookup and the read: no sample this scrape
        }
        return OptionalLong.empty();
    }

    /** The process's comm (its executable's name, at most 15 characters), or null when it is gone. */
    String comm(long pid) {
        try {
            return Files.readString(root.resolve(Long.toString(pid)).resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The pid of the process named {@code comm}: the pid file's if that process still has that name
     * (a stale pid file after a crash may point at a recycled pid), else the first match of a /proc scan.
     */
    OptionalLong find(Path pidFile, String comm, long cached) {
        if (cached > 0 && comm.equals(comm(cached))) {
            return OptionalLong.of(cached);
        }
        if (pidFile != null) {
            try {
                long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
                if (comm.equals(comm(pid))) {
                    return OptionalLong.of(pid);
                }
            } catch (IOException | NumberFormatException e) {
                // no or unreadable pid file: scan
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (comm.equals(comm(pid))) {
                    return OptionalLong.of(pid);
                }
            }
        } catch (IOException e) {
            // procfs unreadable: treat as not running
        }
        return OptionalLong.empty();
    }
}
