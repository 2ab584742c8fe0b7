package dev.lopper.chat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): a GGUF chat template is untrusted code. Any template text renders or
 * fails with a {@link ChatTemplateException} within 10 s of the thread's CPU time (not the wall clock, which a loaded
 * or paused machine stretches), within Jinjava's limits on output size, loops and
 * recursion ({@link JinjaSupport}); any other exception, an error or a slower render is a finding. Without
 * JAZZER_FUZZ this replays the seeds (real templates, and loops, recursion and growth that the limits must stop)
 * and every crash found, kept in {@code src/test/resources/dev/lopper/chat/ChatTemplateFuzzTestInputs/render}.
 */
class ChatTemplateFuzzTest {
    private static final long LIMIT_NANOS = 10_000_000_000L;
    private static final List<Message> CONVERSATION = List.of(Message.system("Be brief."), Message.user("Hi"),
            Message.assistant("Hello."), Message.user("How are you?"));

    static {
        // Jinjava's first render loads and initializes its classes; keep that out of the 10 s budget.
        new JinjaTemplate("warm-up", "{{ messages[0].content }}", "<s>", "</s>").render(CONVERSATION, true);
    }

    @FuzzTest(maxDuration = "3m")
    void render(byte[] data) {
        String source = new String(data, StandardCharsets.UTF_8);
        long t0 = cpuNanos();
        try {
            String out = new JinjaTemplate("fuzz", source, "<s>", "</s>").render(CONVERSATION, true);
            if (out.length() > JinjaSupport.MAX_OUTPUT_CHARS) {
                throw new AssertionError("output of " + out.length() + " chars passed the limit");
            }
        } catch (ChatTemplateException expected) {
            // the template's own error: the property holds
        }
        long took = cpuNanos() - t0;
        if (took > LIMIT_NANOS) {
            throw new AssertionError(data.length + "-byte template took " + took / 1_000_000 + " ms of CPU time");
        }
    }

    /** This thread's CPU time (Jinjava renders on the calling thread). */
    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
