package dev.lopper.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Bad option values as Picocli parameter errors, so every command reports them the same way: one line, the usage
 * hint, exit 2.
 */
final class OptionChecks {
    private OptionChecks() {
    }

    /** A bad-argument error for {@code spec}'s command (exit 2 with the usage hint). */
    static ParameterException bad(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Throws {@link #bad} unless {@code ok}. */
    static void require(boolean ok, CommandSpec spec, String message) {
        if (!ok) {
            throw bad(spec, message);
        }
    }
}
