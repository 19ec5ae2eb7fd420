package dev.mediaplane.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The real programs node tests drive. Checked before anything starts, so a missing one is one
 * clear line instead of a script that waits minutes for an event that never comes. With CI=true
 * a missing tool fails the test (CI must install it: bin/setup); elsewhere it skips it.
 */
public final class RequiredTools {
    private RequiredTools() {}

    /** Tool -> Debian package, for the message. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("bash", "bash"), Map.entry("curl", "curl"), Map.entry("shellcheck", "shellcheck"), Map.entry("xmllint", "libxml2-utils"),
            Map.entry("realpath", "coreutils"), Map.entry("md5sum", "coreutils"), Map.entry("sha256sum", "coreutils"),
            Map.entry("base64", "coreutils"), Map.entry("mktemp", "coreutils"), Map.entry("od", "coreutils"),
            Map.entry("stat", "coreutils"), Map.entry("df", "coreutils"), Map.entry("mkfifo", "coreutils"),
            Map.entry("sed", "sed"), Map.entry("find", "findutils"), Map.entry("ip", "iproute2"),
            Map.entry("unshare", "util-linux"), Map.entry("systemd-analyze", "systemd"));

    public static boolean present(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Fails (CI=true) or skips (elsewhere) naming every missing tool and the package that has it. */
    public static void require(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String t : tools) {
            if (!present(t)) {
                missing.add(t + " (apt-get install -y " + PACKAGES.getOrDefault(t, t) + ")");
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String msg = "required tools not on PATH: " + String.join(", ", missing) + "; bin/setup installs them";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(msg + " (CI=true: a missing tool is a failure, not a skip)");
        }
        Assumptions.abort(msg);
    }
}
