package dev.lopper.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code lopper ARGS} in a fresh JVM, as a user would, and captures what it printed and its exit code. */
final class Cli {
    record Run(int exit, String out, String err) {
        /** The stderr lines, without the JDK's incubator-module warning. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        }
    }

    private Cli() {
    }

    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("testdata"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("project root not found");
        }
        return dir;
    }

    static Run run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    static Run runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(javaCommand(args));
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        CompletableFuture<String> out = read(p.getInputStream());
        CompletableFuture<String> err = read(p.getErrorStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lopper " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), out.join(), err.join());
    }

    /** The command line that runs {@code lopper ARGS} in a fresh JVM on the test class path. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Dlopper.home=" + projectRoot());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.lopper.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static CompletableFuture<String> read(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
