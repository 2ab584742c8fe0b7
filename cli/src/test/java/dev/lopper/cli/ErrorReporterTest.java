package dev.lopper.cli;

import dev.lopper.chat.ChatTemplateException;
import dev.lopper.engine.model.ModelFormatException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The project's own failure types reach the user as their message alone, not as an "internal error". */
class ErrorReporterTest {

    @Test
    void modelAndTemplateErrorsAreShownAsTheirMessage() {
        assertEquals("m.gguf: block 3 lacks blk.3.attn_q.weight",
                ErrorReporter.message(new ModelFormatException("m.gguf: block 3 lacks blk.3.attn_q.weight")));
        assertEquals("this chat format takes a system message only as the first message",
                ErrorReporter.message(new ChatTemplateException(
                        "this chat format takes a system message only as the first message")));
    }

    @Test
    void unknownFailuresStayInternalErrors() {
        String m = ErrorReporter.message(new ArithmeticException("/ by zero"));
        assertEquals("internal error: java.lang.ArithmeticException: / by zero (run with --debug for the stack trace)", m);
    }
}
