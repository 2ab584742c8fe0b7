package dev.lopper.engine.model;

import dev.lopper.engine.TestData;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufWriter;
import dev.lopper.gguf.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A matrix of a type Lopper has no codec for (Q8_1 here, which llama.cpp uses only for activations) is refused at load
 * with one line naming the file, the tensor and the type, whichever matrix it is: the embedding (read in place, a row
 * per token) as much as a block's matrix (which the loader may repack), with repacking on or off.
 */
class UnsupportedTensorTypeTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"token_embd.weight", "blk.1.ffn_up.weight"})
    void aMatrixOfAnUnsupportedTypeIsRefusedAtLoad(String name) throws Exception {
        Path model = dir.resolve("q8_1-matrix.gguf");
        try (GgufFile src = GgufFile.open(TestData.inRepo("conformance/tiny-q4_k_m.gguf"))) {
            List<GgufWriter.TensorEntry> entries = new ArrayList<>();
            for (TensorInfo t : src.tensors()) {
                if (t.name().equals(name)) {
                    MemorySegment zeros = MemorySegment.ofArray(new byte[(int) GgmlType.Q8_1.byteSize(t.elementCount())]);
                    entries.add(new GgufWriter.TensorEntry(t.name(), GgmlType.Q8_1, t.shape(), zeros));
                } else {
                    entries.add(new GgufWriter.TensorEntry(t.name(), t.type(), t.shape(), src.data(t)));
                }
            }
            GgufWriter.write(model, 3, src.metadata(), entries);
        }
        for (boolean repack : new boolean[]{true, false}) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> LlamaModel.load(model, Set.of(), repack).close());
            assertEquals("q8_1-matrix.gguf: tensor '" + name + "' has type Q8_1, which Lopper cannot compute with yet",
                    e.getMessage());
        }
    }
}
