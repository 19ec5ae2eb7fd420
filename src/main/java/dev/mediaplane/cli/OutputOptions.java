package dev.mediaplane.cli;

import picocli.CommandLine.Option;

/** How a command prints its result. */
public final class OutputOptions {

    @Option(names = "--json", description = "Print one JSON document on stdout instead of text.")
    boolean json;
}
