package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q4_K — ggml-common.h {@code block_q4_K}: 256 weights in 144 bytes (4.5 bits/weight), 8 sub-blocks of 32 with a
 * 6-bit scale and 6-bit min each ({@link KScales}).
 * <pre>
 * struct block_q4_K {          // offset
 *     ggml_half d;             //  0   super-block scale for the scales
 *     ggml_half dmin;          //  2   super-block scale for the mins
 *     uint8_t   scales[12];    //  4   see KScales
 *     uint8_t   qs[128];       // 16   4-bit quants
 * };
 * w[e] = d·scale[j] · q[e] − dmin·min[j],  j = e/32,  q[e] ∈ [0, 15]
 * </pre>
 * Each 64-weight chunk c uses qs[32c .. 32c+31]: sub-block 2c in the low nibbles, sub-block 2c+1 in the high.
 */
final class Q4_KCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel, RowDequantizer {

    static final Q4_KCodec INSTANCE = new Q4_KCodec();

    private static final GgmlType TYPE = GgmlType.Q4_K;
    private static final int QK = 256;
    private static final int BYTES = 144;
    private static final int D = 0;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4_KCodec() {
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
        float dmin = f16(b, o + DMIN);
        for (int c = 0; c < 4; c++) {
            float d1 = d * KScales.scale(b, o + SCALES, 2 * c);
            float m1 = dmin * KScales.min(b, o + SCALES, 2 * c);
            float d2 = d * KScales.scale(b, o + SCALES, 2 * c + 1);
            float m2 = dmin * KScales.min(b, o + SCALES, 2 * c + 1);
            int qs = o + QS + 32 * c;
            int e = yo + 64 * c;
            for (int l = 0; l < 32; l++) {
                int q = u8(b, qs + l);
                y[e + l] = d1 * (q & 0xF) - m1;
                y[e + l + 32] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /** quantize_row_q4_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        KScales.quantizeSuperBlock(x, xo, 15, -1f, 20, L, b);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b[QS + 32 * c + l] = (byte) (L[64 * c + l] | (L[64 * c + l + 32] << 4));
            }
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per super-block: the 8 combined scales d · scale_j · x-scale_j in vector form into {@code tmp}, the min terms
     * dmin · min_j · Σx_j in one FMA, then the four 64-weight chunks, each 32 bytes widened once and split into
     * its two sub-blocks. Two chunks per iteration of a two-step loop: one chunk per iteration paid loop entry and exit per
     * super-block, and all four written out made a graph so large that some C2 compilations stopped inlining
     * before the end (the allocating fallback). The Vector API
     * calls are made directly rather than through {@link Lanes256}'s helpers (see Lanes256).
     *
     * <p>One loop runs over the super-blocks of all {@code n} rows, closing a row when its last block is done: a
     * loop per row paid C2's pre-loop and range-check set-up on entering each row, a large share of a 2048-column
     * row (figures in docs/quant-types.md).
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum = a.sum32;
        int xb0 = ab * nb * 8;
        FloatVector acc0 = FloatVector.zero(Lanes256.F);
        FloatVector acc1 = FloatVector.zero(Lanes256.F);
        FloatVector mins = FloatVector.zero(Lanes256.F);
        int r = 0;
        int b = 0; // super-block b of row r, at off
        long off = offset;
        for (int i = 0, blocks = n * nb; i < blocks; i++) {
            int xb = xb0 + 8 * b;
            int u0 = w.get(LittleEndian.I32, off + SCALES);
            int u1 = w.get(LittleEndian.I32, off + SCALES + 4);
            int u2 = w.get(LittleEndian.I32, off + SCALES + 8);
            Lanes256.bytesToFloats(Lanes256.kScales(u0, u1, u2)).mul(Lanes256.f16(w, off + D))
                    .mul(FloatVector.fromArray(Lanes256.F, xs, xb)).intoArray(tmp, 0);
            mins = Lanes256.bytesToFloats(Lanes256.kMins(u0, u1, u2)).mul(FloatVector.fromArray(Lanes256.F, xsum, xb))
                    .fma(FloatVector.broadcast(Lanes256.F, Lanes256.f16(w, off + DMIN)), mins);
            for (int h = 0; h < 2; h++) { // two 64-weight chunks per iteration (see the note above)
                { // weights 128h .. 128h+63: sub-block 4h in the low nibbles, 4h+1 in the high
                    long qs = off + QS + 64 * h;
                    int xo = (xb + 4 * h) * 32;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, qs, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, qs + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    IntVector lo = (IntVector) q0.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                            .add(q1.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)))
                            .reinterpretShape(Lanes256.I, 0);
                    IntVector hi = (IntVector) q0.lanewise(VectorOperators.LSHR, 4)
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 32))
                            .add(q1.lanewise(VectorOperators.LSHR, 4)
                                    .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 48)))
                            .reinterpretShape(Lanes256.I, 0);
                    // pair sums (Lanes256.pairSum, spelled out: see the note above)
                    acc0 = ((FloatVector) lo.add(lo.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[4 * h]), acc0);
                    acc1 = ((FloatVector) hi.add(hi.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[4 * h + 1]), acc1);
                }
                { // weights 128h+64 .. 128h+127: sub-block 4h+2 in the low nibbles, 4h+3 in the high
                    long qs = off + QS + 64 * h + 32;
                    int xo = (xb + 4 * h + 2) * 32;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, qs, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(Lanes256.B128, w, qs + 16, LittleEndian.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, Lanes256.S, 0);
                    IntVector lo = (IntVector) q0.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                            .add(q1.and((short) 0xF).mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)))
                            .reinterpretShape(Lanes256.I, 0);
                    IntVector hi = (IntVector) q0.lanewise(VectorOperators.LSHR, 4)
                            .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 32))
                            .add(q1.lanewise(VectorOperators.LSHR, 4)
                                    .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 48)))
                            .reinterpretShape(Lanes256.I, 0);
                    // pair sums (Lanes256.pairSum, spelled out: see the note above)
                    acc0 = ((FloatVector) lo.add(lo.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[4 * h + 2]), acc0);
                    acc1 = ((FloatVector) hi.add(hi.lanewise(VectorOperators.LSHL, 16))
                            .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, Lanes256.F, 0))
                            .fma(FloatVector.broadcast(Lanes256.F, tmp[4 * h + 3]), acc1);
                }
            }
            off += BYTES;
            if (++b == nb) { // row r is done
                out[outOff + r] = acc0.add(acc1).sub(mins).reduceLanes(VectorOperators.ADD);
                acc0 = FloatVector.zero(Lanes256.F);
                acc1 = FloatVector.zero(Lanes256.F);
                mins = FloatVector.zero(Lanes256.F);
                r++;
                b = 0;
                off = offset + r * rowBytes;
            }
        }
    }

    /** Per sub-block j: 8 weights per step, nibble j%2 of qs[32(j/2) ..] → float, × d·scale, − dmin·min. */
    @Override
    public void dequantizeRow(MemorySegment w, long offset, int cols, float[] y, int yo) {
        long off = offset;
        for (int b = 0; b < cols / QK; b++, off += BYTES) {
            float d = Lanes256.f16(w, off + D);
            float dmin = Lanes256.f16(w, off + DMIN);
            int u0 = w.get(LittleEndian.I32, off + SCALES);
            int u1 = w.get(LittleEndian.I32, off + SCALES + 4);
            int u2 = w.get(LittleEndian.I32, off + SCALES + 8);
            long scales = Lanes256.kScales(u0, u1, u2);
            long ms = Lanes256.kMins(u0, u1, u2);
            for (int j = 0; j < 8; j++, yo += 32) {
                FloatVector d1 = FloatVector.broadcast(Lanes256.F, d * ((int) (scales >>> (8 * j)) & 0xFF));
                FloatVector m1 = FloatVector.broadcast(Lanes256.F, dmin * ((int) (ms >>> (8 * j)) & 0xFF));
                for (int p = 0; p < 4; p++) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes256.B64, w, off + QS + 32 * (j >>> 1) + 8 * p, LittleEndian.ORDER);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4 * (j & 1)).and((byte) 0xF)
                            .convertShape(VectorOperators.B2F, Lanes256.F, 0)).mul(d1).sub(m1).intoArray(y, yo + 8 * p);
                }
            }
        }
    }
}
