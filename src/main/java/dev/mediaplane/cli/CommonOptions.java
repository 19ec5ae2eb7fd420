package dev.mediaplane.cli;

import picocli.CommandLine.Option;

/** Options every command takes. */
public final class CommonOptions {

    static final String VERBOSE = "--verbose";

    @Option(names = {"-v", VERBOSE}, description = "On an internal error, print the stack trace too.")
    boolean verbose;
}
