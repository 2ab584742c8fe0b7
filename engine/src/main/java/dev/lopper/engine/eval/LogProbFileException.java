package dev.lopper.engine.eval;

import java.io.IOException;

/** A log-probability file that is not one {@link LogProbFile} wrote, or that does not fit the model compared. */
public final class LogProbFileException extends IOException {
    LogProbFileException(String file, String field, long offset, String what) {
        super(file + ": " + field + " at offset " + offset + ": " + what);
    }

    LogProbFileException(String file, String what) {
        super(file + ": " + what);
    }
}
