package dev.lopper.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;

import java.lang.management.ManagementFactory;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes as the body of a {@code /v1/chat/completions} and of a
 * {@code /v1/completions} request go the way {@code Api} takes them ({@link CompletionRequest#json}, then
 * {@link CompletionRequest#chat} / {@link CompletionRequest#completion}) without a model: each gives a request or a
 * 400 {@link ApiException} with a one-line message, within 10 s of CPU time; any other exception or error is a finding. Without
 * JAZZER_FUZZ this replays the seeds and every crash found, kept in
 * {@code src/test/resources/dev/lopper/server/CompletionRequestFuzzTestInputs/parse}.
 */
class CompletionRequestFuzzTest {
    private static final long LIMIT_NANOS = 10_000_000_000L;

    @FuzzTest(maxDuration = "3m")
    void parse(byte[] data) {
        long t0 = cpuNanos();
        for (boolean chat : new boolean[] {true, false}) {
            try {
                JsonNode body = CompletionRequest.json(data);
                CompletionRequest r = chat ? CompletionRequest.chat(body) : CompletionRequest.completion(body);
                if ((r.messages() == null) == (r.prompt() == null)) {
                    throw new AssertionError("a request needs messages or a prompt: " + r);
                }
            } catch (ApiException e) {
                if (e.status() != 400 || e.getMessage().indexOf('\n') >= 0 || e.getMessage().indexOf('\r') >= 0) {
                    throw new AssertionError("not a one-line 400: " + e.status() + " " + e.getMessage(), e);
                }
            }
        }
        long took = cpuNanos() - t0;
        if (took > LIMIT_NANOS) {
            throw new AssertionError(data.length + "-byte body took " + took / 1_000_000 + " ms of CPU time");
        }
    }

    /**
     * The thread's CPU time: on a shared host the fuzz JVM may be stopped (SIGSTOP) while benchmarks run, and a
     * wall-clock limit then fails inputs that take milliseconds.
     */
    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
