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
import static dev.lopper.quant.LittleEndian.putU32;
import static dev.lopper.quant.LittleEndian.u32;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q5_0 — ggml-common.h {@code block_q5_0}: 32 weights in 22 bytes (5.5 bits/weight), symmetric.
 * <pre>
 * struct block_q5_0 {          // offset
 *     ggml_half d;             //  0   scale
 *     uint8_t   qh[4];         //  2   bit j of this little-endian uint32 is bit 4 of q[j]
 *     uint8_t   qs[16];        //  6   low 4 bits: q[j] low nibble, q[j+16] high nibble
 * };
 * w[j] = d · (q[j] − 16),  q[j] ∈ [0, 31]
 * </pre>
 */
final class Q5_0Codec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel, RowDequantizer {

    static final Q5_0Codec INSTANCE = new Q5_0Codec();

    private static final GgmlType TYPE = GgmlType.Q5_0;
    private static final int QK = 32;
    private static final int BYTES = 22;
    private static final int D = 0;
    private static final int QH = 2;
    private static final int QS = 6;

    private Q5_0Codec() {
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
        int qh = u32(b, o + QH);
        for (int j = 0; j < QK / 2; j++) {
            int q = u8(b, o + QS + j);
            int q0 = (q & 0xF) | (((qh >>> j) & 1) << 4);
            int q1 = (q >>> 4) | (((qh >>> (j + QK / 2)) & 1) << 4);
            y[yo + j] = (q0 - 16) * d;
            y[yo + j + QK / 2] = (q1 - 16) * d;
        }
    }

    /** quantize_row_q5_0_ref: d = max/−16 where max is the value of largest magnitude. */
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
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(b, D, d);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int q0 = Math.min(31, (byte) (int) (x[xo + j] * id + 16.5f));
            int q1 = Math.min(31, (byte) (int) (x[xo + j + QK / 2] * id + 16.5f));
            b[QS + j] = (byte) ((q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= (q0 >>> 4) << j;
            qh |= (q1 >>> 4) << (j + QK / 2);
        }
        putU32(b, QH, qh);
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * As Q4_0; bit 4 of each quant comes from qh: lanes whose bit is clear get −16 (q − 16 = nibble − 16·(1 − bit)),
     * found by testing the broadcast half of qh against one bit per lane.
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        ShortVector bits = Lanes256.laneBits();
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb0 = ab * nb;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                int xb = xb0 + b;
                float d = Lanes256.f16(w, off + D) * xs[xb];
                int qh = w.get(LittleEndian.I32, off + QH);
                int xo = xb * QK;
                ShortVector q = Lanes256.u8x16(w, off + QS);
                ShortVector lo = q.and((short) 0xF).add(Lanes256.clearBits(qh, bits).and((short) -16));
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).add(Lanes256.clearBits(qh >>> 16, bits).and((short) -16));
                ShortVector p = lo.mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                        .add(hi.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                acc = Lanes256.pairSum(p).fma(FloatVector.broadcast(Lanes256.F, d), acc);
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** 8 weights per step in int lanes: nibble | (bit of qh, by a per-lane shift) << 4, − 16, → float, × d. */
    @Override
    public void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo) {
        long off = offset;
        IntVector iota = Lanes256.iota();
        for (int b = 0; b < cols / QK; b++, off += BYTES, yo += QK) {
            float d = Lanes256.f16(w, off + D);
            IntVector qh = IntVector.broadcast(Lanes256.I, w.get(LittleEndian.I32, off + QH));
            for (int p = 0; p < 4; p++) { // weights e = 8p .. 8p+7
                IntVector q = (IntVector) ByteVector.fromMemorySegment(Lanes256.B64, w, off + QS + 8 * (p & 1), LittleEndian.ORDER)
                        .convertShape(VectorOperators.B2I, Lanes256.I, 0);
                IntVector v = q.lanewise(VectorOperators.LSHR, 4 * (p >>> 1)).and(0xF)
                        .or(qh.lanewise(VectorOperators.LSHR, iota.add(8 * p)).and(1).lanewise(VectorOperators.LSHL, 4))
                        .sub(16);
                ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 8 * p);
            }
        }
    }
}
