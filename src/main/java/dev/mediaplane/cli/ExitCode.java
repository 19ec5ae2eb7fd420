package dev.mediaplane.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every process exit code of the CLI, in one table. A number may carry a different meaning per
 * command (1 is a policy violation for check, a failed outcome for the day-2 commands, any error for
 * diff), so each meaning is its own constant; a command returns, and its --help lists, only the
 * subset {@link Cli} declares for it, where every number appears at most once.
 */
public enum ExitCode {
    OK(0, "success (check: every policy passed; drain: no channel left; smoke: every check passed)"),
    POLICY_VIOLATION(1, "check found at least one policy violation"),
    FAILED(1, "ran, and the outcome is a failure (drain: calls still up at --timeout; smoke: a check failed; synthetic: a call"
            + " not answered, a recording incomplete or the loss over alerts.packetLossPercent;"
            + " secrets rotate: a node did not take the new value; secrets status: a required secret without version"
            + " or a rotation overdue)"),
    DIFF_ERROR(1, "error (usage, stack config, git, internal; nothing on stdout)"),
    USAGE(2, "invalid command line (unknown option, missing --stack, ...)"),
    DIFF_CHANGES(2, "changes (resources, rendered files or secrets)"),
    CONFIG_ERROR(3, "the stack file is missing or its config is invalid"),
    REFUSED(4, "an unsafe move was refused and nothing changed (canary running or not, size, release not published,"
            + " file not safely editable, last node, secret value on a terminal, grace not over, ...)"),
    CANARY_HOLD(5, "canary status: hold (too few samples, or a metric between its promote and roll-back thresholds)"),
    CANARY_ROLL_BACK(6, "canary status: roll back (a metric past its roll-back threshold)"),
    NODE_NOT_READY(7, "rollout: a node failed to drain or its replacement did not become ready; the rollout stopped there"),
    UNAVAILABLE(69, "a node, a Google API or the pulumi binary could not be reached, or refused the login, a"
            + " permission or the call (the message quotes the answer)"),
    INTERNAL(70, "internal error (rerun with --verbose for the stack trace)"),
    IO_ERROR(74, "an output could not be written (render --out)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    /** What the code means, as --help says it. */
    public String meaning() {
        return meaning;
    }

    /** Rows for picocli's exit code list in the usage help: {@code codes} in the order given. */
    static Map<String, String> helpList(List<ExitCode> codes) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (ExitCode c : codes) {
            if (rows.put(String.format("%3d", c.code), c.name() + ": " + c.meaning) != null) {
                throw new IllegalArgumentException("exit code " + c.code + " listed twice in " + codes);
            }
        }
        return rows;
    }
}
