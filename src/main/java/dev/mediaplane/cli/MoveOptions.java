package dev.mediaplane.cli;

import picocli.CommandLine.Option;

/** The options of the commands that edit the stack file for a release move (canary start, promote, rollback). */
final class MoveOptions {
    @Option(names = "--dry-run", description = "Print the checks and the stack-file diff; write nothing, run nothing.")
    boolean dryRun;

    @Option(names = "--apply", description = "After the edit, run `pulumi up` through the Automation API (needs pulumi on PATH).")
    boolean apply;
}
