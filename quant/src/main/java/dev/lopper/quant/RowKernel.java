package dev.lopper.quant;

import java.lang.foreign.MemorySegment;

/**
 * The matrix × vector hot path of one type: dot products of consecutive rows with one activation vector, read
 * straight from the (mapped, native) segment with vector loads. Implemented by the codec classes; package-private.
 */
interface RowKernel {

    /** Whether the kernel reads the int8 form of the activations (else their float values). */
    boolean int8();

    /** Floats of per-thread scratch a kernel may use ({@code tmp} of {@link #dotRows}). */
    int SCRATCH = 64;

    /**
     * {@code out[outOff + i] = Σ_c W[i][c] · x[c]} for the {@code n} rows starting at byte {@code offset}, each
     * {@code rowBytes} long, against activation vector {@code ab} of {@code a} ({@code a.cols} values);
     * {@code tmp} is this thread's scratch of {@link #SCRATCH} floats.
     */
    void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out, int outOff,
                 float[] tmp);
}
