package dev.lopper.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes as the body of a {@code /v1/chat/completions} and of a
 * {@code /v1/completions} request go the way {@code Api} takes them (Jackson's {@code readTree}, then
 * {@link CompletionRequest#chat} / {@link CompletionRequest#completion}) without a model: each gives a request or a
 * 400 {@link ApiException} with a one-line message, within 10 s; any other exception or error is a finding. Without
 * JAZZER_FUZZ this replays the seeds and every crash found, kept in
 * {@code src/test/resources/dev/lopper/server/CompletionRequestFuzzTestInputs/parse}.
 */
class CompletionRequestFuzzTest {
    private static final long LIMIT_NANOS = 10_000_000_000L;
    /** As {@code Api}'s: Jackson's defaults (nesting, number and string length limits). */
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "3m")
    void parse(byte[] data) {
        long t0 = System.nanoTime();
        JsonNode body;
        try {
            body = JSON.readTree(data); // Api answers JsonProcessingException with a 400
        } catch (JsonProcessingException e) {
            return;
        } catch (java.io.IOException e) {
            throw new AssertionError("readTree of a byte array threw " + e, e);
        }
        if (body != null && body.isObject()) {
            for (boolean chat : new boolean[] {true, false}) {
                try {
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
        }
        long took = System.nanoTime() - t0;
        if (took > LIMIT_NANOS) {
            throw new AssertionError(data.length + "-byte body took " + took / 1_000_000 + " ms");
        }
    }
}
