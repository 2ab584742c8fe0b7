package dev.lopper.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code -c/--ctx-size}: the context window; 0 means the model's own context length, as in llama.cpp. */
public final class ContextOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private Integer size;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context window in tokens; 0 = the model's context length (default: automatic, capped so "
                    + "the KV cache fits memory).")
    void size(int n) {
        OptionChecks.require(n >= 0, spec, "--ctx-size must be 0 (the model's context) or more, got " + n);
        size = n;
    }

    /** The user's size (0 = the model's context), or null when not given. */
    public Integer requested() {
        return size;
    }
}
