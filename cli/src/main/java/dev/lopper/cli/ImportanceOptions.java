package dev.lopper.cli;

import picocli.CommandLine.Option;

/** {@code --keep-first/--keep-last}: blocks protected from layer-importance scoring and from removal. */
public final class ImportanceOptions {
    @Option(names = "--keep-first", paramLabel = "N", defaultValue = "4",
            description = "Protect the first N blocks that run (default: ${DEFAULT-VALUE}, as Shortened LLaMA).")
    int keepFirst;

    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "2",
            description = "Protect the last N blocks that run (default: ${DEFAULT-VALUE}).")
    int keepLast;
}
