package dev.lopper.cli;

import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.engine.tokenizer.Vocabulary;

/** Warns when a text already starts with BOS and the tokenizer added another, as llama.cpp does. */
final class BosCheck {
    private BosCheck() {
    }

    /** True (and a warning on stderr) when {@code ids} starts with two BOS tokens. */
    static boolean warnIfDoubled(Tokenizer tokenizer, int[] ids) {
        int bos = tokenizer.bos();
        if (bos == Vocabulary.NONE || ids.length < 2 || ids[0] != bos || ids[1] != bos) {
            return false;
        }
        Terminal.notice("warning: the text starts with BOS ('" + tokenizer.vocabulary().piece(bos)
                + "') and another BOS was added, so there are 2; use --no-bos or drop it from the text");
        return true;
    }
}
