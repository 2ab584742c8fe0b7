package dev.lopper.convert;

import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The property every convert fuzz target checks (docs/fuzzing.md): any input gives a result or the reader's own
 * {@link FormatException}, with a one-line message, within 10 s of CPU time. Anything else thrown (another
 * exception, an {@link OutOfMemoryError}, a {@link StackOverflowError}) propagates to Jazzer as a finding.
 *
 * <p>The limit is on the thread's CPU time, not the wall clock: on a shared host the fuzz JVM may be stopped
 * (SIGSTOP) for minutes while benchmarks run, and a wall-clock limit then fails inputs that take milliseconds.
 */
public final class FuzzProperty {
    static final long LIMIT_NANOS = 10_000_000_000L;

    /** A reader run on one input. */
    @FunctionalInterface
    public interface Reader {
        void read() throws IOException;
    }

    private FuzzProperty() {
    }

    /** Runs {@code reader} on an input of {@code length} bytes and checks the property, {@code own} being its exception. */
    public static void check(int length, Class<? extends FormatException> own, Reader reader) throws IOException {
        long t0 = cpuNanos();
        try {
            reader.read();
        } catch (FormatException e) {
            if (!own.isInstance(e)) {
                throw new AssertionError("expected a " + own.getSimpleName() + ", got " + e, e);
            }
            String m = e.getMessage();
            if (m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw new AssertionError("message of more than one line: " + m, e);
            }
        }
        long took = cpuNanos() - t0;
        if (took > LIMIT_NANOS) {
            throw new AssertionError(length + "-byte input took " + took / 1_000_000 + " ms of CPU time");
        }
    }

    /** The current thread's CPU time in nanoseconds (user and system). */
    public static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Every tensor a reader returned lies inside the file of {@code fileSize} bytes, as {@link StoredTensor} promises. */
    public static void insideFile(List<StoredTensor> tensors, long fileSize) {
        for (StoredTensor t : tensors) {
            long bytes = t.byteSize();
            if (t.offset() < 0 || bytes > fileSize - t.offset()) {
                throw new AssertionError("tensor " + t.name() + " " + t.dtype() + " " + t.shapeText() + " at "
                        + t.offset() + " lies outside the " + fileSize + "-byte file");
            }
        }
    }

    /** A fresh directory for one fuzz JVM's input files, deleted when the JVM exits. */
    public static Path scratch(String name) {
        try {
            Path dir = Files.createTempDirectory("lopper-fuzz-" + name);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
