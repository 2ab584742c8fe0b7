package dev.lopper.cli;

import dev.lopper.engine.generate.Generator;

import java.util.Locale;

/** The one-line timing summary after a generation, like llama.cpp's perf print. */
final class Timing {
    private Timing() {
    }

    /** E.g. {@code prompt 12 tokens in 0.05 s (240.12 t/s), generation 128 tokens in 1.52 s (84.10 t/s)}. */
    static String summary(Generator.Result r) {
        int generated = r.generated().length;
        return String.format(Locale.ROOT, "prompt %d tokens in %.2f s (%.2f t/s), generation %d tokens in %.2f s "
                        + "(%.2f t/s)", r.promptTokens(), r.promptNanos() / 1e9, r.promptTokensPerSecond(),
                generated, r.decodeNanos() / 1e9, r.decodeTokensPerSecond());
    }
}
