package dev.lopper.convert;

/** Progress of a conversion, called on the converting thread after each tensor is produced. */
@FunctionalInterface
public interface ConvertListener {
    /** A listener that ignores everything. */
    ConvertListener NONE = (name, done, total, bytesDone, bytesTotal) -> {
    };

    /**
     * @param name       the GGUF name of the tensor just produced
     * @param done       tensors produced so far (1-based count)
     * @param total      tensors in the output
     * @param bytesDone  output tensor bytes produced so far
     * @param bytesTotal output tensor bytes in all
     */
    void tensorDone(String name, int done, int total, long bytesDone, long bytesTotal);
}
