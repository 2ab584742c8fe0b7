package dev.lopper.cli;

import picocli.CommandLine.Option;

/** {@code --debug}: show stack traces of errors (mixed into every command). */
public final class DebugOption {
    static volatile boolean enabled;

    @Option(names = "--debug", description = "Print the stack trace of an error, not just its one-line message.")
    void set(boolean on) {
        enabled = on;
    }
}
