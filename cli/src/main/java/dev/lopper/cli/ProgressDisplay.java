package dev.lopper.cli;

import dev.lopper.engine.eval.PerplexityEstimate;
import dev.lopper.engine.eval.Progress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr for chunked evaluations, with the running perplexity estimate; nothing at all when
 * stderr is not a terminal (a log file gets only the results).
 */
final class ProgressDisplay implements Progress, AutoCloseable {
    private final String task;
    private final PrintStream terminal;
    private ProgressBar bar;

    private ProgressDisplay(String task, PrintStream terminal) {
        this.task = task;
        this.terminal = terminal;
    }

    /** A display for {@code task}, or a silent one when stderr is not a terminal. */
    static ProgressDisplay on(String task) {
        return new ProgressDisplay(task, Terminal.progressStream());
    }

    @Override
    public void chunkDone(int done, int total, PerplexityEstimate running) {
        if (terminal == null) {
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setUnit(" chunks", 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                    .setUpdateIntervalMillis(200)
                    .build();
        }
        bar.stepTo(done);
        bar.setExtraMessage(String.format(Locale.ROOT, "PPL %.4f", running.ppl()));
    }

    /** Draws the bar complete and ends its line; idempotent, so results can follow it. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
