package dev.lopper.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * Turns any failure into one line on stderr and a non-zero exit: 1 for a failed command, 2 for bad arguments.
 * With {@code --debug} the stack trace follows.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        report(cmd.getErr(), ex);
        return 1;
    }

    static int badArguments(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("lopper: " + ex.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return 2;
    }

    static void report(PrintWriter err, Throwable ex) {
        err.println("lopper: " + message(ex));
        if (DebugOption.enabled) {
            ex.printStackTrace(err);
        }
        err.flush();
    }

    /** A one-line description of what went wrong, in the user's terms. */
    static String message(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        String m = switch (t) {
            case NoSuchFileException e -> "no such file: " + e.getFile();
            case AccessDeniedException e -> "permission denied: " + e.getFile();
            case OutOfMemoryError e -> "out of memory (" + e.getMessage() + "); try a smaller --ctx-size or model";
            case IOException e -> e.getMessage();
            case IllegalArgumentException e -> e.getMessage();
            case IllegalStateException e -> e.getMessage();
            case java.util.NoSuchElementException e -> e.getMessage();
            default -> "internal error: " + t + " (run with --debug for the stack trace)";
        };
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }
}
