package dev.lopper.cli;

import dev.lopper.chat.ChatTemplateException;
import dev.lopper.engine.model.ModelFormatException;
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
        if (ex instanceof CommandLine.UnmatchedArgumentException u && cmd.getParent() == null
                && !u.getUnmatched().isEmpty() && args.length > 0 && args[0].equals(u.getUnmatched().getFirst())
                && !args[0].startsWith("-")) {
            err.println("lopper: unknown command '" + args[0] + "'; the commands are: "
                    + String.join(", ", cmd.getSubcommands().keySet()));
        } else {
            err.println("lopper: " + withoutPrefix(ex.getMessage()));
        }
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
            case ModelFormatException e -> e.getMessage();
            case ChatTemplateException e -> e.getMessage();
            case java.util.NoSuchElementException e -> e.getMessage();
            default -> "internal error: " + t + " (run with --debug for the stack trace)";
        };
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return withoutPrefix(m.replace('\n', ' '));
    }

    /** Drops a leading "Error: " or "lopper: " so no message reads "lopper: Error: ...". */
    static String withoutPrefix(String m) {
        String s = m.strip();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String p : new String[] {"Error: ", "error: ", "ERROR: ", "lopper: "}) {
                if (s.startsWith(p)) {
                    s = s.substring(p.length()).strip();
                    changed = true;
                }
            }
        }
        return s;
    }
}
