package dev.lopper.cli;

import dev.lopper.engine.Lopper;
import picocli.CommandLine.Option;

/** {@code -t/--threads}: worker threads; default the number of physical cores. */
public final class ThreadOptions {
    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Threads to compute with (default: the number of physical cores).",
            defaultValue = "0", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    int threads;

    public int count() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be positive, got " + threads);
        }
        return threads == 0 ? Lopper.physicalCores() : threads;
    }
}
