package dev.lopper.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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

    /** A one-line notice for the user, on stderr so that stdout stays clean. */
    static void notice(String line) {
        System.err.println("lopper: " + line);
        System.err.flush();
    }
}
