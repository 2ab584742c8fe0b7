package dev.lopper.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

/** UTF-8 standard output and error, whatever the platform's locale says. */
final class Terminal {
    private static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), false,
            StandardCharsets.UTF_8);

    private Terminal() {
    }

    static PrintStream out() {
        return OUT;
    }

    /** True when standard output is an interactive terminal (not a pipe or file). */
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /**
     * Where a progress bar goes: the terminal, or null when stderr is not one (a log gets only the results). The
     * launcher filters stderr through a line-buffered pipe and passes the terminal itself as file descriptor
     * {@code lopper.progress.fd}.
     */
    static PrintStream progressStream() {
        String fd = System.getProperty("lopper.progress.fd");
        if (fd != null) {
            try {
                return new PrintStream(new FileOutputStream("/dev/fd/" + Integer.parseInt(fd)), true,
                        StandardCharsets.UTF_8);
            } catch (IOException | NumberFormatException e) {
                return null;
            }
        }
        for (String provider : new String[]{"ffm", "exec"}) {
            try {
                return TerminalProvider.load(provider).isSystemStream(SystemStream.Error) ? System.err : null;
            } catch (IOException | RuntimeException | LinkageError e) {
                // this provider does not work here; try the next
            }
        }
        return null;
    }

    /** A one-line notice for the user, on stderr so that stdout stays clean. */
    static void notice(String line) {
        System.err.println("lopper: " + line);
        System.err.flush();
    }
}
