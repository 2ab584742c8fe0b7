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
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q6_K — ggml-common.h {@code block_q6_K}: 256 weights in 210 bytes (6.5625 bits/weight), 16 groups of 16 with a
 * signed 8-bit scale each, symmetric.
 * <pre>
 * struct block_q6_K {          // offset
 *     uint8_t   ql[128];       //   0  bits 0..3 of the quants
 *     uint8_t   qh[64];        // 128  bits 4..5 of the quants
 *     int8_t    scales[16];    // 192  one per 16 weights
 *     ggml_half d;             // 208  super-block scale
 * };
 * w[e] = d · scales[e/16] · (q[e] − 32),  q[e] ∈ [0, 63]
 * </pre>
 * Each 128-weight half h owns ql[64h .. 64h+63] and qh[32h .. 32h+31]. Weight 128h + 32k + l (k = 0..3,
 * l = 0..31): bits 0..3 = ql[64h + 32(k%2) + l], low nibble for k &lt; 2 and high nibble for k ≥ 2;
 * bits 4..5 = bits 2k..2k+1 of qh[32h + l].
 */
final class Q6_KCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel, RowDequantizer {

    static final Q6_KCodec INSTANCE = new Q6_KCodec();

    private static final GgmlType TYPE = GgmlType.Q6_K;
    private static final int QK = 256;
    private static final int BYTES = 210;
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6_KCodec() {
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
        for (int h = 0; h < 2; h++) {
            int ql = o + QL + 64 * h;
            int qh = o + QH + 32 * h;
            for (int k = 0; k < 4; k++) {
                int e = 128 * h + 32 * k;
                float d1 = d * i8(b, o + SCALES + e / 16);     // weights e .. e+15
                float d2 = d * i8(b, o + SCALES + e / 16 + 1); // weights e+16 .. e+31
                int nibble = k < 2 ? 0 : 4;
                for (int l = 0; l < 32; l++) {
                    int low = (u8(b, ql + 32 * (k % 2) + l) >>> nibble) & 0xF;
                    int high = (u8(b, qh + l) >>> (2 * k)) & 3;
                    y[yo + e + l] = (l < 16 ? d1 : d2) * ((low | high << 4) - 32);
                }
            }
        }
    }

    /** quantize_row_q6_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int g = 0; g < 16; g++) {
            scales[g] = QuantMath.makeQxQuants(16, 32, x, xo + 16 * g, L, 16 * g);
            if (Math.abs(scales[g]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[g]);
                maxScale = scales[g];
            }
        }
        java.util.Arrays.fill(b, (byte) 0);
        if (maxAbsScale < QuantMath.GROUP_MAX_EPS) {
            return; // all zero
        }
        float iscale = -128f / maxScale;
        putF16(b, D, 1 / iscale);
        for (int g = 0; g < 16; g++) {
            int sc = Math.min(127, QuantMath.nearestInt(iscale * scales[g]));
            b[SCALES + g] = (byte) sc;
            float dl = f16(b, D) * sc;
            if (dl == 0) {
                continue;
            }
            for (int l = 0; l < 16; l++) {
                L[16 * g + l] = QuantMath.clamp(QuantMath.nearestInt(x[xo + 16 * g + l] / dl), -32, 31) + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b[QL + 64 * h + l] = (byte) ((L[e] & 0xF) | (L[e + 64] & 0xF) << 4);
                b[QL + 64 * h + 32 + l] = (byte) ((L[e + 32] & 0xF) | (L[e + 96] & 0xF) << 4);
                b[QH + 32 * h + l] =
                        (byte) ((L[e] >>> 4) | (L[e + 32] >>> 4) << 2 | (L[e + 64] >>> 4) << 4 | (L[e + 96] >>> 4) << 6);
            }
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per 128-weight half h and lane range l = 16p .. 16p+15: 16 bytes of ql for quarters 0/2 (low/high nibble),
     * 16 for quarters 1/3, and 16 of qh (two bits per quarter) widened once, giving the four 16-weight groups
     * 8h+p, +2, +4, +6. Quants stay unsigned (0..63): Σ (q − 32)·x = Σ q·x − 32·Σx, the second term from the
     * activations' per-16 sums and the scales, in vector form per super-block. The Vector API is called directly
     * (see Lanes256 on C2's limits); the four parts stay a loop, which keeps the method small enough for C1 (written
     * out, C1 gave up on it and the first calls ran interpreted for seconds).
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs16 = a.scale16;
        float[] xsum16 = a.sum16;
        int xb0 = ab * nb * 8;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            FloatVector acc0 = FloatVector.zero(Lanes256.F);
            FloatVector acc1 = FloatVector.zero(Lanes256.F);
            FloatVector offsets = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                int xb = xb0 + 8 * b;
                // d · scale_g for the 16 groups; Σ d·scale_g·Σx_g; and d · scale_g · x-scale into tmp
                FloatVector d = FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + D));
                FloatVector s0 = Lanes256.bytesToFloats(w.get(LittleEndian.I64, off + SCALES)).mul(d);
                FloatVector s1 = Lanes256.bytesToFloats(w.get(LittleEndian.I64, off + SCALES + 8)).mul(d);
                offsets = s0.fma(FloatVector.fromArray(Lanes256.F, xsum16, 2 * xb), offsets);
                offsets = s1.fma(FloatVector.fromArray(Lanes256.F, xsum16, 2 * xb + 8), offsets);
                s0.mul(FloatVector.fromArray(Lanes256.F, xs16, 2 * xb)).intoArray(tmp, 0);
                s1.mul(FloatVector.fromArray(Lanes256.F, xs16, 2 * xb + 8)).intoArray(tmp, 8);
                for (int part = 0; part < 4; part++) { // half h = part/2, lanes l = 16p .. 16p+15, p = part%2
                    int h = part >>> 1;
                    int p = part & 1;
                    long ql = off + QL + 64 * h + 16 * p;
                    ShortVector lo = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, ql, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector hi = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, ql + 32, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    long qhs = off + QH + 32 * h + 16 * p;
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, qhs, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    int xo = (xb + 4 * h) * 32 + 16 * p;
                    int g = 8 * h + p;
                    IntVector p0 = (IntVector) lo.and((short) 0xF)
                            .or(qh.lanewise(VectorOperators.LSHL, 4).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo)).reinterpretShape(Lanes256.I, 0);
                    IntVector p1 = (IntVector) hi.and((short) 0xF)
                            .or(qh.lanewise(VectorOperators.LSHL, 2).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 32)).reinterpretShape(Lanes256.I, 0);
                    IntVector p2 = (IntVector) lo.lanewise(VectorOperators.LSHR, 4).or(qh.and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 64)).reinterpretShape(Lanes256.I, 0);
                    IntVector p3 = (IntVector) hi.lanewise(VectorOperators.LSHR, 4)
                            .or(qh.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 96)).reinterpretShape(Lanes256.I, 0);
                    // pair sums (Lanes256.pairSum, spelled out), scaled per group
                    acc0 = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[g]), acc0);
                    acc1 = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[g + 2]), acc1);
                    acc0 = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[g + 4]), acc0);
                    acc1 = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[g + 6]), acc1);
                }
            }
            out[outOff + r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD)
                    - 32 * offsets.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Per 16-weight group: 8 weights per step in int lanes (low bits from ql, high bits from qh), − 32, × d·scale. */
    @Override
    public void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo) {
        long off = offset;
        for (int b = 0; b < cols / QK; b++, off += BYTES) {
            float d = Lanes256.f16(w, off + D);
            long scales0 = w.get(LittleEndian.I64, off + SCALES);
            long scales1 = w.get(LittleEndian.I64, off + SCALES + 8);
            for (int g = 0; g < 16; g++, yo += 16) {
                int h = g >>> 3;
                int k = (g >>> 1) & 3;
                FloatVector dl = FloatVector.broadcast(Lanes256.F, d * (byte) ((g < 8 ? scales0 : scales1) >>> (8 * (g & 7))));
                for (int p = 0; p < 2; p++) {
                    int l = 16 * (g & 1) + 8 * p; // position within the 32-weight quarter
                    IntVector ql = (IntVector) ByteVector.fromMemorySegment(Lanes256.B64, w,
                            off + QL + 64 * h + 32 * (k & 1) + l, LittleEndian.ORDER).convertShape(VectorOperators.B2I, Lanes256.I, 0);
                    IntVector qh = (IntVector) ByteVector.fromMemorySegment(Lanes256.B64, w, off + QH + 32 * h + l, LittleEndian.ORDER)
                            .convertShape(VectorOperators.B2I, Lanes256.I, 0);
                    IntVector q = ql.lanewise(VectorOperators.LSHR, 4 * (k >>> 1)).and(0xF)
                            .or(qh.lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4))
                            .sub(32);
                    dl.mul((FloatVector) q.convert(VectorOperators.I2F, 0)).intoArray(y, yo + 8 * p);
                }
            }
        }
    }
}
