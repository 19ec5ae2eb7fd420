package dev.mediaplane.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** Process exit codes of the CLI; listed in every command's usage help. */
public enum ExitCode {
    OK(0, "success (for check: every policy passed)"),
    POLICY_VIOLATION(1, "check found at least one policy violation"),
    USAGE(2, "invalid command line (unknown option, missing --stack, ...)"),
    CONFIG_ERROR(3, "the stack file is missing or its config is invalid"),
    REFUSED(4, "a release command refused an unsafe move (canary running or not, size, release not published, file not"
            + " safely editable)"),
    CANARY_HOLD(5, "canary status: hold (too few samples, or a metric between its promote and roll-back thresholds)"),
    CANARY_ROLL_BACK(6, "canary status: roll back (a metric past its roll-back threshold)"),
    NODE_NOT_READY(7, "rollout: a node failed to drain or its replacement did not become ready; the rollout stopped there"),
    UNAVAILABLE(69, "a Google API or the pulumi binary could not be reached, or refused the call"),
    IO_ERROR(74, "an output could not be written (render --out)"),
    INTERNAL(70, "internal error (rerun with --verbose for the stack trace)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** Rows for picocli's exit code list in the usage help. */
    static Map<String, String> helpList() {
        Map<String, String> rows = new LinkedHashMap<>();
        for (ExitCode c : values()) {
            rows.put(String.format("%3d", c.code), c.name() + ": " + c.meaning);
        }
        return rows;
    }
}
