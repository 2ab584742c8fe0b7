package dev.lopper.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, rewritten in place, for long file writes (quantize, a Hugging Face folder
 * converted into the cache): {@code lopper: quantizing [#####.....] 52% 120/291 tensors 1.2/2.3 GiB}. Prints nothing
 * when no person is watching (stdout not a terminal), so pipes and tests see only the final lines.
 */
final class ProgressBar {
    private static final int WIDTH = 24;
    private final String label;
    private final PrintStream err;
    private int lastPermille = -1;

    private ProgressBar(String label, PrintStream err) {
        this.label = label;
        this.err = err;
    }

    /** A bar labelled {@code label}, or null when stdout is not a terminal. */
    static ProgressBar onTerminal(String label) {
        return Terminal.stdoutIsTerminal() ? new ProgressBar(label, System.err) : null;
    }

    /** Redraws the bar after {@code done} of {@code total} tensors and {@code bytesDone} of {@code bytesTotal}. */
    void update(int done, int total, long bytesDone, long bytesTotal) {
        int permille = (int) (1000 * bytesDone / Math.max(1, bytesTotal));
        if (done == total) {
            err.print("\r\033[K");
            err.flush();
            return;
        }
        if (permille == lastPermille) {
            return;
        }
        lastPermille = permille;
        int filled = permille * WIDTH / 1000;
        err.print("\rlopper: " + label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", permille / 10) + " " + done + "/" + total + " tensors "
                + Sizes.bytes(bytesDone) + " / " + Sizes.bytes(bytesTotal) + "\033[K");
        err.flush();
    }
}
