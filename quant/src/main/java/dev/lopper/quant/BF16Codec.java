package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** BF16: little-endian bfloat16 ({@code GGML_TYPE_BF16}, {@code ggml_bf16_t}): the top 16 bits of a float32. */
final class BF16Codec extends HalfCodec {

    static final BF16Codec INSTANCE = new BF16Codec();

    private BF16Codec() {
        super(GgmlType.BF16);
    }

    @Override
    void widen(short[] h, int ho, float[] y, int yo, int n) {
        ArrayLanes.bf16ToF32(h, ho, y, yo, n);
    }

    @Override
    float dotHalves(short[] h, int ho, float[] x, int xo, int n) {
        return ArrayLanes.dotBf16(h, ho, x, xo, n);
    }

    @Override
    short narrow(float value) {
        return Fp16.floatToBf16(value);
    }

    /** Float activations; bfloat16 widened with one shift; the last cols % 8 values scalar. */
    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int n, Activations a, int ab, float[] out,
                        int outOff, float[] tmp) {
        int cols = a.cols;
        float[] x = a.x;
        int xo = ab * cols;
        int bound16 = cols & ~15;
        int bound8 = cols & ~7;
        for (int r = 0; r < n; r++) {
            long off = offset + r * rowBytes;
            FloatVector a0 = FloatVector.zero(Lanes256.F);
            FloatVector a1 = FloatVector.zero(Lanes256.F);
            int c = 0;
            for (; c < bound16; c += 16) {
                long o = off + 2L * c;
                a0 = Lanes256.bf16x8(w, o).fma(FloatVector.fromArray(Lanes256.F, x, xo + c), a0);
                a1 = Lanes256.bf16x8(w, o + 16).fma(FloatVector.fromArray(Lanes256.F, x, xo + c + 8), a1);
            }
            for (; c < bound8; c += 8) {
                a0 = Lanes256.bf16x8(w, off + 2L * c).fma(FloatVector.fromArray(Lanes256.F, x, xo + c), a0);
            }
            float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += Fp16.bf16ToFloat(w.get(LittleEndian.I16, off + 2L * c)) * x[xo + c];
            }
            out[outOff + r] = sum;
        }
    }
}
