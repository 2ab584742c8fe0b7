package dev.lopper.convert.sentencepiece;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lopper.convert.FuzzProperty;

import java.io.IOException;

/**
 * Fuzz target (Jazzer, docs/fuzzing.md): any bytes parsed as a SentencePiece {@code tokenizer.model} (protobuf) give
 * a model whose special ids name pieces (or are -1), or a {@link SentencePieceFormatException}, within 10 s. Without
 * JAZZER_FUZZ this replays the seeds and every crash found, kept in
 * {@code src/test/resources/dev/lopper/convert/sentencepiece/SentencePieceFuzzTestInputs/parse}.
 */
class SentencePieceFuzzTest {

    @FuzzTest(maxDuration = "3m")
    void parse(byte[] data) throws IOException {
        FuzzProperty.check(data.length, SentencePieceFormatException.class, () -> {
            SentencePieceModel m = SentencePieceModel.parse("tokenizer.model", data);
            int n = m.pieces().size();
            for (int id : new int[] {m.unkId(), m.bosId(), m.eosId(), m.padId()}) {
                if (id < -1 || id >= n) {
                    throw new AssertionError("special id " + id + " outside the " + n + " pieces");
                }
            }
        });
    }
}
