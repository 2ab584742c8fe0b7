package dev.lopper.cli;

import dev.lopper.engine.Lopper;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code -t/--threads}: worker threads; default the number of physical cores. */
public final class ThreadOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private Integer threads;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Threads to compute with, at least 1 (default: the number of physical cores).")
    void threads(int n) {
        threads = checked(spec, "--threads", n);
    }

    /** The thread count: the user's, or the number of physical cores. */
    public int count() {
        return threads != null ? threads : Lopper.physicalCores();
    }

    /**
     * Checks one thread count: below 1 is a bad argument (exit 2); above the processors available a warning.
     *
     * @return {@code n}
     */
    static int checked(CommandSpec spec, String option, int n) {
        if (n < 1) {
            throw OptionChecks.bad(spec, option + " must be at least 1, got " + n);
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        if (n > cpus) {
            Terminal.notice("warning: " + option + " " + n + " is more than the " + cpus
                    + " processors available; expect it to be slower, not faster");
        }
        return n;
    }
}
