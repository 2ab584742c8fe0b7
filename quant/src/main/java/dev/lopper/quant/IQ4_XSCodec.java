package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.lopper.quant.LittleEndian.f16;
import static dev.lopper.quant.LittleEndian.putF16;
import static dev.lopper.quant.LittleEndian.putU16;
import static dev.lopper.quant.LittleEndian.u16;
import static dev.lopper.quant.LittleEndian.u8;

/**
 * IQ4_XS — ggml-common.h {@code block_iq4_xs}: 256 weights in 136 bytes (4.25 bits/weight), 8 sub-blocks of 32
 * with a 6-bit scale each, 4-bit indices into the IQ4_NL table ({@link IQ4_NLCodec#KVALUES}).
 * <pre>
 * struct block_iq4_xs {        // offset
 *     ggml_half d;             //  0   super-block scale
 *     uint16_t  scales_h;      //  2   bits 4..5 of ls[j] at bits 2j..2j+1
 *     uint8_t   scales_l[4];   //  4   bits 0..3 of ls[j]: nibble j%2 of scales_l[j/2]
 *     uint8_t   qs[128];       //  8   sub-block j: qs[16j .. 16j+15], packed as IQ4_NL
 * };
 * w[32j + i] = d · (ls[j] − 32) · KVALUES[q[32j + i]]
 * </pre>
 */
final class IQ4_XSCodec implements BlockCodec, BlockQuantizer, BlockFormat, RowKernel {

    static final IQ4_XSCodec INSTANCE = new IQ4_XSCodec();

    private static final GgmlType TYPE = GgmlType.IQ4_XS;
    private static final int QK = 256;
    private static final int BYTES = 136;
    private static final int D = 0;
    private static final int SCALES_H = 2;
    private static final int SCALES_L = 4;
    private static final int QS = 8;
    private static final byte[] KVALUES = IQ4_NLCodec.KVALUES;

    private IQ4_XSCodec() {
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
        int scalesH = u16(b, o + SCALES_H);
        for (int j = 0; j < 8; j++) {
            int ls = ((u8(b, o + SCALES_L + j / 2) >>> (4 * (j % 2))) & 0xF) | (((scalesH >>> (2 * j)) & 3) << 4);
            float dl = d * (ls - 32);
            int qs = o + QS + 16 * j;
            int e = yo + 32 * j;
            for (int i = 0; i < 16; i++) {
                int q = u8(b, qs + i);
                y[e + i] = dl * KVALUES[q & 0xF];
                y[e + i + 16] = dl * KVALUES[q >>> 4];
            }
        }
    }

    /** quantize_row_iq4_xs_ref (quantize_row_iq4_nl_impl over 8 sub-blocks, ntry = 7, no quant weights). */
    @Override
    public void encodeBlock(float[] x, int xo, byte[] b) {
        int[] L = new int[QK];
        float[] scales = new float[8];
        float maxScale = 0;
        float amaxScale = 0;
        for (int j = 0; j < 8; j++) {
            scales[j] = IQ4_NLCodec.bestBlockScale(x, xo + 32 * j, L, 32 * j, 7);
            if (Math.abs(scales[j]) > amaxScale) {
                amaxScale = Math.abs(scales[j]);
                maxScale = scales[j];
            }
        }
        float d = -maxScale / 32;
        putF16(b, D, d);
        float id = d != 0 ? 1 / d : 0f;
        int scalesH = 0;
        for (int j = 0; j < 8; j++) {
            int l = QuantMath.clamp(QuantMath.nearestInt(id * scales[j]), -32, 31);
            float dl = d * l;
            float idl = dl != 0 ? 1 / dl : 0f;
            for (int i = 0; i < 32; i++) {
                L[32 * j + i] = QuantMath.bestIndex(KVALUES, idl * x[xo + 32 * j + i]);
            }
            l += 32;
            if (j % 2 == 0) {
                b[SCALES_L + j / 2] = (byte) (l & 0xF);
            } else {
                b[SCALES_L + j / 2] |= (byte) ((l & 0xF) << 4);
            }
            scalesH |= (l >>> 4) << (2 * j);
            IQ4_NLCodec.packNibbles(L, 32 * j, b, QS + 16 * j);
        }
        putU16(b, SCALES_H, scalesH);
    }

    @Override
    public boolean int8() {
        return true;
    }

    /** Eight IQ4_NL-style sub-blocks of 32 per super-block, each with its 6-bit scale ls − 32. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int nb = a.cols / QK;
        short[] xq = a.q;
        float[] xs = a.scale;
        ByteVector table = ByteVector.fromArray(Lanes256.B128, KVALUES, 0);
        for (int r = 0; r < n; r++) {
            long row = offset + r * rowBytes;
            int xb = ab * nb * 8;
            FloatVector acc = FloatVector.zero(Lanes256.F);
            for (int b = 0; b < nb; b++) {
                long off = row + (long) b * BYTES;
                float d = Lanes256.f16(w, off + D);
                int scalesH = w.get(LittleEndian.I16, off + SCALES_H);
                int scalesL = w.get(LittleEndian.I32, off + SCALES_L);
                for (int j = 0; j < 8; j++, xb++) {
                    int ls = ((scalesL >>> (4 * j)) & 0xF) | (((scalesH >>> (2 * j)) & 3) << 4);
                    float dl = d * (ls - 32) * xs[xb];
                    int xo = xb * 32;
                    ByteVector q = ByteVector.fromMemorySegment(Lanes256.B128, w, off + QS + 16 * j, LittleEndian.ORDER);
                    ShortVector p = Lanes256.lookup(q.and((byte) 0xF), table).mul(ShortVector.fromArray(Lanes256.S, xq, xo))
                            .add(Lanes256.lookup(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF), table)
                                    .mul(ShortVector.fromArray(Lanes256.S, xq, xo + 16)));
                    acc = Lanes256.pairSumWide(p).fma(FloatVector.broadcast(Lanes256.F, dl), acc);
                }
            }
            out[outOff + r] = acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
