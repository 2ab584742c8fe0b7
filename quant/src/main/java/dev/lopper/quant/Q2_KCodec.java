package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * Q2_K — ggml-common.h {@code block_q2_K}: 256 weights in 84 bytes (2.625 bits/weight), 16 groups of 16 with a
 * 4-bit scale and 4-bit min each.
 * <pre>
 * struct block_q2_K {          // offset
 *     uint8_t   scales[16];    //  0   group g: scale = scales[g] &amp; 0xF, min = scales[g] &gt;&gt; 4
 *     uint8_t   qs[64];        // 16   2-bit quants, see below
 *     ggml_half d;             // 80   super-block scale for the scales
 *     ggml_half dmin;          // 82   super-block scale for the mins
 * };
 * w[e] = d·scale[g] · q[e] − dmin·min[g],  g = e/16,  q[e] ∈ [0, 3]
 * </pre>
 * Each 128-weight half h owns qs[32h .. 32h+31]; weight 128h + 32s + l (s = 0..3, l = 0..31) is bits 2s..2s+1 of
 * qs[32h + l].
 */
final class Q2_KCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final Q2_KCodec INSTANCE = new Q2_KCodec();

    private static final GgmlType TYPE = GgmlType.Q2_K;
    private static final int QK = 256;
    private static final int BYTES = 84;
    private static final int SCALES = 0;
    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;

    private Q2_KCodec() {
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
        for (int g = 0; g < 16; g++) {
            int sc = u8(b, o + SCALES + g);
            float dl = d * (sc & 0xF);
            float ml = dmin * (sc >>> 4);
            int qs = o + QS + 32 * (g / 8) + 16 * (g % 2); // half g/8; first or second 16 bytes of it
            int shift = 2 * ((g % 8) / 2);
            for (int l = 0; l < 16; l++) {
                y[yo + 16 * g + l] = dl * ((u8(b, qs + l) >>> shift) & 3) - ml;
            }
        }
    }

    /** quantize_row_q2_K_ref. */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        int[] laux = new int[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxMin = 0;
        for (int g = 0; g < 16; g++) {
            for (int l = 0; l < 16; l++) {
                weights[l] = Math.abs(x[xo + 16 * g + l]);
            }
            scales[g] = QuantMath.makeQkx2Quants(16, 3, x, xo + 16 * g, weights, L, 16 * g, mins, g, laux,
                    -0.5f, 0.1f, 15, true);
            maxScale = Math.max(maxScale, scales[g]);
            maxMin = Math.max(maxMin, mins[g]);
        }
        int[] sc = new int[16];
        float d = 0;
        float dmin = 0;
        if (maxScale > 0) {
            float iscale = 15f / maxScale;
            for (int g = 0; g < 16; g++) {
                sc[g] = QuantMath.nearestInt(iscale * scales[g]);
            }
            d = maxScale / 15f;
        }
        if (maxMin > 0) {
            float iscale = 15f / maxMin;
            for (int g = 0; g < 16; g++) {
                sc[g] |= QuantMath.nearestInt(iscale * mins[g]) << 4;
            }
            dmin = maxMin / 15f;
        }
        putF16(b, D, d);
        putF16(b, DMIN, dmin);
        for (int g = 0; g < 16; g++) {
            b[SCALES + g] = (byte) sc[g];
            float dl = f16(b, D) * (sc[g] & 0xF);
            if (dl == 0) {
                continue;
            }
            float ml = f16(b, DMIN) * (sc[g] >>> 4);
            for (int l = 0; l < 16; l++) {
                L[16 * g + l] = QuantMath.clamp(QuantMath.nearestInt((x[xo + 16 * g + l] + ml) / dl), 0, 3);
            }
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b[QS + 32 * h + l] = (byte) (L[e] | (L[e + 32] << 2) | (L[e + 64] << 4) | (L[e + 96] << 6));
            }
        }
    }

    @Override
    public boolean int8() {
        return true;
    }

    /**
     * Per 32-weight quarter s of half h: bits 2s of qs widened, one pair-summed product per 16-weight group (each
     * has its own 4-bit scale); the 4-bit mins subtract dmin · m · Σx̂ per group.
     */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        float[] xsum16 = a.sum16;
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb = ab * nb * 8;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            float mins = 0;
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                float d = Lanes256.f16(w, off + D);
                float dmin = Lanes256.f16(w, off + DMIN);
                long scales0 = w.get(LittleEndian.I64, off + SCALES); // one segment read per 8 scale bytes
                long scales1 = w.get(LittleEndian.I64, off + SCALES + 8);
                for (int h = 0; h < 2; h++) {
                    ShortVector qa = Lanes256.u8x16(w, off + QS + 32 * h);
                    ShortVector qb = Lanes256.u8x16(w, off + QS + 32 * h + 16);
                    for (int s = 0; s < 4; s++, xb++) {
                        int g = 8 * h + 2 * s;
                        long sv = h == 0 ? scales0 : scales1;
                        int sc0 = (int) (sv >>> (16 * s)) & 0xFF;
                        int sc1 = (int) (sv >>> (16 * s + 8)) & 0xFF;
                        mins += dmin * ((sc0 >>> 4) * xsum16[2 * xb] + (sc1 >>> 4) * xsum16[2 * xb + 1]);
                        int xo = xb * 32;
                        float dx = d * xs[xb];
                        // bits 2s..2s+1 masked in place (a shift by a variable count is slow); 4^-s goes in the scale
                        short mask = (short) (3 << (2 * s));
                        float unit = 1f / (1 << (2 * s));
                        ShortVector q0 = qa.and(mask);
                        ShortVector q1 = qb.and(mask);
                        acc = Lanes256.pairSumWide(q0.mul(ShortVector.fromArray(Lanes256.S, xq, xo)))
                                .fma(FloatVector.broadcast(Lanes256.F, dx * unit * (sc0 & 0xF)), acc);
                        acc = Lanes256.pairSumWide(q1.mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)))
                                .fma(FloatVector.broadcast(Lanes256.F, dx * unit * (sc1 & 0xF)), acc);
                    }
                }
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD) - mins;
        }
    }
}
