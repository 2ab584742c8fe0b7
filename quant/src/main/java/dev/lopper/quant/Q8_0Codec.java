package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.i8;
import static dev.lopper.quant.LittleEndian.putF16;

/**
 * Q8_0 — ggml-common.h {@code block_q8_0}: 32 weights in 34 bytes (8.5 bits/weight), symmetric.
 * <pre>
 * struct block_q8_0 {          // offset
 *     ggml_half d;             //  0   scale
 *     int8_t    qs[32];        //  2
 * };
 * w[j] = d · qs[j]
 * </pre>
 */
final class Q8_0Codec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel, RowDequantizer {

    static final Q8_0Codec INSTANCE = new Q8_0Codec();

    private static final GgmlType TYPE = GgmlType.Q8_0;
    private static final int QK = 32;
    private static final int BYTES = 34;
    private static final int D = 0;
    private static final int QS = 2;

    private Q8_0Codec() {
    }

    @Override
    public GgmlType type() {
        return TYPE;
    }

    @Override
    public void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Blocks.dequantize(this, TYPE, src, offset, dst, dstOffset, n);
    }

    @Override
    public float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        return Blocks.dot(this, TYPE, src, offset, x, xOffset, n);
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Blocks.quantize(this, TYPE, src, srcOffset, n, dst, dstOffset);
    }

    @Override
    public void decodeBlocks(byte[] blocks, int count, float[] y, int yo) {
        for (int i = 0; i < count; i++) {
            decodeBlock(blocks, i * BYTES, y, yo + i * QK);
        }
    }

    private static void decodeBlock(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + D);
        for (int j = 0; j < QK; j++) {
            y[yo + j] = i8(b, o + QS + j) * d;
        }
    }

    /** quantize_row_q8_0_ref: d = amax/127, qs = round(x/d). */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float amax = 0;
        for (int j = 0; j < QK; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        for (int j = 0; j < QK; j++) {
            b[QS + j] = (byte) QuantMath.roundf(x[xo + j] * id);
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per block: the 32 int8 weights widened to shorts, times the int8 activations; the two halves' products are
     * added as shorts (|·| ≤ 2·128·127) and summed in adjacent pairs as ints. Two blocks per iteration, with the
     * Vector API called directly: through the helpers, some compilations ran past C2's node budget (see Lanes256).
     * Rows longer than {@link Activations#WIDE} read the activations as bytes (L1 footprint, see there).
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        int pairs = nb & ~1;
        boolean wide = a.cols > Activations.WIDE; // loop-invariant: C2 unswitches, one loop per form
        short[] xq = a.q;
        byte[] x8 = a.q8;
        float[] xs = a.scale;
        int xb = ab * nb;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            FloatVector acc0 = FloatVector.zero(Lanes256.F);
            FloatVector acc1 = FloatVector.zero(Lanes256.F);
            int b = 0;
            for (; b < pairs; b += 2) {
                long o0 = row + (long) b * BYTES;
                long o1 = o0 + BYTES;
                int xo = (xb + b) * QK;
                {
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o0 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o0 + QS + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector x0 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo);
                    ShortVector x1 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo + 16)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo + 16);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o0 + D)) * xs[xb + b];
                    acc0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(p.lanewise(VectorOperators.ASHR, 16)).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, d), acc0);
                }
                {
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o1 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o1 + QS + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector x0 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo + QK)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo + QK);
                    ShortVector x1 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo + QK + 16)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0)
                            : ShortVector.fromArray(Lanes256.S, xq, xo + QK + 16);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o1 + D)) * xs[xb + b + 1];
                    acc1 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(p.lanewise(VectorOperators.ASHR, 16)).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, d), acc1);
                }
            }
            if (b < nb) { // an odd last block
                long o = row + (long) b * BYTES;
                int xo = (xb + b) * QK;
                ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o + QS, LittleEndian.ORDER)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o + QS + 16, LittleEndian.ORDER)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                ShortVector x0 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo);
                ShortVector x1 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo + 16)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo + 16);
                IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, o + D)) * xs[xb + b];
                acc0 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(p.lanewise(VectorOperators.ASHR, 16)).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                        .fma(FloatVector.broadcast(Lanes256.F, d), acc0);
            }
            out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }

    @Override
    public boolean pairsRows() {
        return true;
    }

    /**
     * The rows of the two runs side by side, one block of each per step, sharing the activation loads; per block as
     * in {@link #dotRows}. A row's loop costs ~60 cycles on entry (C2's set-up of the segment reads' range checks,
     * its pre-loop, the exit branch; 13% of a 2048-column row), paid here once per pair.
     */
    @Override
    public void dotRowPairs(MemorySegment w, long offsetA, long offsetB, long rowBytes, int n, Activations a, int ab,
                            float[] out, int outA, int outB, float[] tmp) {
        int nb = a.cols / QK;
        boolean wide = a.cols > Activations.WIDE; // loop-invariant: C2 unswitches, one loop per form
        short[] xq = a.q;
        byte[] x8 = a.q8;
        float[] xs = a.scale;
        int xb = ab * nb;
        for (int r = 0; r < n; r++) {
            long rowA = offsetA + r * rowBytes;
            long rowB = offsetB + r * rowBytes;
            FloatVector accA = FloatVector.zero(Lanes256.F);
            FloatVector accB = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long oa = rowA + (long) b * BYTES;
                long ob = rowB + (long) b * BYTES;
                int xo = (xb + b) * QK;
                ShortVector x0 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo);
                ShortVector x1 = wide ? (ShortVector) ByteVector.fromArray(Lanes256.B128, x8, xo + 16)
                        .convertShape(VectorOperators.B2S, Lanes256.S, 0) : ShortVector.fromArray(Lanes256.S, xq, xo + 16);
                float s = xs[xb + b];
                {
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, oa + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, oa + QS + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, oa + D)) * s;
                    accA = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(p.lanewise(VectorOperators.ASHR, 16)).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, d), accA);
                }
                {
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, ob + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, ob + QS + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2S, Lanes256.S, 0);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, ob + D)) * s;
                    accB = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(p.lanewise(VectorOperators.ASHR, 16)).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, d), accB);
                }
            }
            out[outA + r] = accA.reduceLanes(VectorOperators.ADD);
            out[outB + r] = accB.reduceLanes(VectorOperators.ADD);
        }
    }

    /** 8 weights per step: int8 → float, × d. */
    @Override
    public void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo) {
        long off = offset;
        for (int b = 0; b < cols / QK; b++, off += BYTES, yo += QK) {
            FloatVector d = FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + D));
            for (int p = 0; p < 4; p++) {
                ((FloatVector) ByteVector.fromMemorySegment(Lanes256.B64, w, off + QS + 8 * p, LittleEndian.ORDER)
                        .convertShape(VectorOperators.B2F, Lanes256.F, 0)).mul(d).intoArray(y, yo + 8 * p);
            }
        }
    }
}
