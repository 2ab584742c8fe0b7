package dev.lopper.convert;

import dev.lopper.convert.gptq.GptqTensor;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.gguf.GgmlType;

/**
 * One tensor of the output: its GGUF name, type and shape (ne0 first), where its values come from, and whether its
 * rows are permuted from Hugging Face's rotate-half order to GGUF's adjacent pairs ({@code headDim > 0}).
 */
record PlannedTensor(String name, GgmlType type, long[] shape, Source source, int headDim, String sourceText) {

    /** Where the values come from. */
    sealed interface Source {
    }

    /** A float tensor of the checkpoint. */
    record FromFloat(StoredTensor tensor) implements Source {
    }

    /** A GPTQ module; {@code exact} when its blocks are copied onto {@code type} without re-quantizing. */
    record FromGptq(GptqTensor gptq, boolean exact) implements Source {
    }

    /** Values computed by the converter (llama 3's rope_freqs). */
    record Generated(float[] values) implements Source {
    }

    long rows() {
        return shape.length == 1 ? 1 : shape[1];
    }

    long cols() {
        return shape[0];
    }

    long byteSize() {
        return type.byteSize(Math.multiplyExact(rows(), cols()));
    }
}
