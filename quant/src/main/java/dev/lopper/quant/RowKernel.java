package dev.lopper.quant;

import java.lang.foreign.MemorySegment;

/**
 * The matrix × vector hot path of one type: dot products of consecutive rows with one activation vector, read
 * straight from the (mapped, native) segment with vector loads. Implemented by the codec classes at 256 bits (which
 * run at both widths) and, where one helps, by a {@code <TYPE>Kernel512} class; {@link MatMul} picks by
 * {@link #BITS}. Package-private.
 */
interface RowKernel {

    /**
     * Whether the vector kernels run at all: they need 256-bit vectors with hardware support (the preferred float
     * species at least 256 bits wide). Elsewhere every type goes through {@link BlockCodec#dot}.
     */
    boolean ENABLED = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !Boolean.getBoolean("lopper.noKernels");

    /**
     * The vector width the kernels are chosen for: the JVM's preferred species (512 bits on hosts with AVX-512
     * unless {@code -XX:MaxVectorSize=32}, else 256), or {@code -Dlopper.vectorBits=256|512} to force one (the
     * tests run the kernels at both; a 512-bit species on a host without it runs the Vector API's Java fallback,
     * correct but ~100× slower, so only force 512 for tests).
     */
    int BITS = Integer.getInteger("lopper.vectorBits",
            Math.max(256, jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize())) >= 512 ? 512 : 256;

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

    /**
     * Rows per work unit: {@link #dotRows} is only called for whole units ({@code offset} and {@code n} multiples of
     * it, counted in rows), as for the kernels of repacked layouts that compute 32 rows at once. 1 for ggml rows.
     */
    default int rowsPerUnit() {
        return 1;
    }

    /**
     * Whether {@link #dotRowPairs} reads its two runs of rows side by side (one block of each per step, sharing the
     * activation loads); {@link MatMul} then hands out rows r and r + rows/2 of a matrix together.
     */
    default boolean pairsRows() {
        return false;
    }

    /**
     * {@link #dotRows} for the {@code n} rows at {@code offsetA} into {@code out[outA ..]} and the {@code n} rows at
     * {@code offsetB} into {@code out[outB ..]}. Rows far apart (half a matrix) read side by side pay a row's loop
     * entry once per pair; rows a few KiB apart read that way run slower from memory than one by one (measured in
     * docs/quant-types.md), so callers pair distant rows only.
     */
    default void dotRowPairs(MemorySegment w, long offsetA, long offsetB, long rowBytes, int n, Activations a, int ab,
                             float[] out, int outA, int outB, float[] tmp) {
        dotRows(w, offsetA, rowBytes, n, a, ab, out, outA, tmp);
        dotRows(w, offsetB, rowBytes, n, a, ab, out, outB, tmp);
    }
}
