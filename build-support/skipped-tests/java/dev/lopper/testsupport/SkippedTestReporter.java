package dev.lopper.testsupport;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Prints one line {@code skipped: <test>: <reason>} on the build's console for every test or test class that did
 * not run: aborted by an assumption (data in {@code ../shared}, python3, a browser … not available) or disabled.
 * Passing and failing tests print nothing here.
 *
 * <p>Compiled into every module's tests from {@code build-support/skipped-tests} (the parent POM adds it with
 * build-helper) and registered through {@code META-INF/services}, so the JUnit Platform launcher that Surefire
 * starts picks it up. It writes to the test JVM's own standard error, which Surefire passes to the Maven console
 * even with {@code redirectTestOutputToFile} (where {@code System.out} / {@code System.err} go to files).
 */
public final class SkippedTestReporter implements TestExecutionListener {
    private static final String ASSUMPTION = "Assumption failed: ";

    private final PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true,
            StandardCharsets.UTF_8);

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(Throwable::getMessage).orElse(null));
        }
    }

    private void report(TestIdentifier test, String reason) {
        String why = reason == null || reason.isBlank() ? "no reason given" : reason.lines().findFirst().orElse("");
        if (why.startsWith(ASSUMPTION)) {
            why = why.substring(ASSUMPTION.length());
        }
        console.println("skipped: " + name(test) + ": " + why);
    }

    private static String name(TestIdentifier test) {
        TestSource source = test.getSource().orElse(null);
        if (source instanceof MethodSource m) {
            String simple = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1);
            String display = test.getDisplayName();
            String method = simple + "." + m.getMethodName();
            return display.startsWith(m.getMethodName() + "(") ? method : method + " " + display;
        }
        if (source instanceof ClassSource c) {
            return c.getClassName().substring(c.getClassName().lastIndexOf('.') + 1);
        }
        return test.getDisplayName();
    }
}
