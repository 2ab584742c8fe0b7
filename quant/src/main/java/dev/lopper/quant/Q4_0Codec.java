package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q4_0 — ggml-common.h {@code block_q4_0}: 32 weights in 18 bytes (4.5 bits/weight), symmetric.
 * <pre>
 * struct block_q4_0 {          // offset
 *     ggml_half d;             //  0   scale
 *     uint8_t   qs[16];        //  2   q[j] in the low nibble, q[j+16] in the high nibble
 * };
 * w[j] = d · (q[j] − 8),  q[j] ∈ [0, 15]
 * </pre>
 */
final class Q4_0Codec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel, RowDequantizer {

    static final Q4_0Codec INSTANCE = new Q4_0Codec();

    private static final GgmlType TYPE = GgmlType.Q4_0;
    private static final int QK = 32;
    private static final int BYTES = 18;
    private static final int D = 0;
    private static final int QS = 2;

    private Q4_0Codec() {
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
        for (int j = 0; j < QK / 2; j++) {
            int q = u8(b, o + QS + j);
            y[yo + j] = ((q & 0xF) - 8) * d;
            y[yo + j + QK / 2] = ((q >>> 4) - 8) * d;
        }
    }

    /** quantize_row_q4_0_ref: d = max/−8 where max is the value of largest magnitude. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < QK; j++) {
            if (amax < Math.abs(x[xo + j])) {
                amax = Math.abs(x[xo + j]);
                max = x[xo + j];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + j + QK / 2] * id + 8.5f));
            b[QS + j] = (byte) (q0 | (q1 << 4));
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per block: 16 nibble bytes widened to shorts, lanes 0..15 low nibbles (weights 0..15), high nibbles 16..31,
     * minus 8, times the int8 activations, pair-summed ({@link Lanes256#pairSum}). Two blocks per iteration, with the
     * Vector API called directly: through the helpers, some compilations ran past C2's node budget (see Lanes256).
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        int pairs = nb & ~1;
        short[] xq = a.q;
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
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o0 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector lo = q.and((short) 0xF).sub((short) 8);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                    IntVector p = (IntVector) lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                            .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16))).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o0 + D)) * xs[xb + b];
                    acc0 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convertShape(VectorOperators.I2F, Lanes256.F, 0)).fma(FloatVector.broadcast(Lanes256.F, d), acc0);
                }
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o1 + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector lo = q.and((short) 0xF).sub((short) 8);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                    IntVector p = (IntVector) lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo + QK))
                            .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + QK + 16))).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, o1 + D)) * xs[xb + b + 1];
                    acc1 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convertShape(VectorOperators.I2F, Lanes256.F, 0)).fma(FloatVector.broadcast(Lanes256.F, d), acc1);
                }
            }
            if (b < nb) { // an odd last block
                long o = row + (long) b * BYTES;
                int xo = (xb + b) * QK;
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, o + QS, LittleEndian.ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                ShortVector lo = q.and((short) 0xF).sub((short) 8);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                IntVector p = (IntVector) lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                        .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16))).reinterpretShape(Lanes256.I, 0);
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, o + D)) * xs[xb + b];
                acc0 = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .convertShape(VectorOperators.I2F, Lanes256.F, 0)).fma(FloatVector.broadcast(Lanes256.F, d), acc0);
            }
            out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }

    /** Σ over blocks [from, to) of the row at {@code row}, one 256-bit block per step (the 512-bit kernel's tail). */
    static float blocks(MemorySegment w, long row, int from, int to, Activations a, int xb) {
        FloatVector acc = FloatVector.zero(Lanes256.F);
        for (int b = from; b < to; b++) {
            long o = row + (long) b * BYTES;
            int xo = (xb + b) * QK;
            ShortVector q = Lanes256.u8x16(w, o + QS);
            ShortVector p = q.and((short) 0xF).sub((short) 8).mul(ShortVector.fromArray(Lanes256.S, a.q, xo))
                    .add(q.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(ShortVector.fromArray(Lanes256.S, a.q, xo + 16)));
            acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, o + D) * a.scale[xb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public boolean pairsRows() {
        return true;
    }

    /** The rows of the two runs side by side, one block of each per step (see {@link Q8_0Codec#dotRowPairs}). */
    @Override
    public void dotRowPairs(MemorySegment w, long offsetA, long offsetB, long rowBytes, int n, Activations a, int ab,
                            float[] out, int outA, int outB, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
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
                ShortVector x0 = ShortVector.fromArray(Lanes256.S, xq, xo);
                ShortVector x1 = ShortVector.fromArray(Lanes256.S, xq, xo + 16);
                float s = xs[xb + b];
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, oa + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector lo = q.and((short) 0xF).sub((short) 8);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, oa + D)) * s;
                    accA = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convertShape(VectorOperators.I2F, Lanes256.F, 0)).fma(FloatVector.broadcast(Lanes256.F, d), accA);
                }
                {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, ob + QS, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector lo = q.and((short) 0xF).sub((short) 8);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                    IntVector p = (IntVector) lo.mul(x0).add(hi.mul(x1)).reinterpretShape(Lanes256.I, 0);
                    float d = Float.float16ToFloat(w.get(LittleEndian.I16, ob + D)) * s;
                    accB = ((FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .convertShape(VectorOperators.I2F, Lanes256.F, 0)).fma(FloatVector.broadcast(Lanes256.F, d), accB);
                }
            }
            out[outA + r] = accA.reduceLanes(VectorOperators.ADD);
            out[outB + r] = accB.reduceLanes(VectorOperators.ADD);
        }
    }

    /** 8 weights per step: 8 nibble bytes (low or high half of the block) → floats, − 8, × d. */
    @Override
    public void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo) {
        long off = offset;
        for (int b = 0; b < cols / QK; b++, off += BYTES, yo += QK) {
            FloatVector d = FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + D));
            for (int p = 0; p < 4; p++) { // weights 8p .. 8p+7: bytes 8(p&1).., nibble p>>1
                ByteVector q = ByteVector.fromMemorySegment(Lanes256.B64, w, off + QS + 8 * (p & 1), LittleEndian.ORDER);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4 * (p >>> 1)).and((byte) 0xF)
                        .convertShape(VectorOperators.B2F, Lanes256.F, 0)).sub(8f).mul(d).intoArray(y, yo + 8 * p);
            }
        }
    }
}
