package dev.lopper.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API steps on Java arrays at the JVM's preferred width (the exact reference paths of the codecs: float dot
 * products and the exact widening of 16-bit floats, infinities and NaNs included), as opposed to the row kernels'
 * fixed-width steps on mapped segments ({@link Lanes256}, {@link Lanes512}).
 */
final class ArrayLanes {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shorts with as many lanes as {@link #F}: half its bit size. */
    static final VectorSpecies<Short> S = F.vectorBitSize() >= 128
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2)) : null;
    /** Whether {@link #S} exists, i.e. 16-bit values can widen lane for lane into {@link #F}. */
    static final boolean WIDEN = S != null;

    private ArrayLanes() {
    }

    /** Σ a[ao+i]·b[bo+i], i &lt; n. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int step = F.length();
        int i = 0;
        for (int upper = n - 2 * step; i <= upper; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + step).fma(FloatVector.fromArray(F, b, bo + i + step), acc1);
        }
        for (int upper = F.loopBound(n); i < upper; i += step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** y[yo+i] = half h[ho+i] as float, i &lt; n. */
    static void f16ToF32(short[] h, int ho, float[] y, int yo, int n) {
        int i = 0;
        if (WIDEN) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                loadF16(h, ho + i).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Float.float16ToFloat(h[ho + i]);
        }
    }

    /** Σ half h[ho+i] · x[xo+i], i &lt; n. */
    static float dotF16(short[] h, int ho, float[] x, int xo, int n) {
        int i = 0;
        float sum = 0;
        if (WIDEN) {
            FloatVector acc = FloatVector.zero(F);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                acc = loadF16(h, ho + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += Float.float16ToFloat(h[ho + i]) * x[xo + i];
        }
        return sum;
    }

    /** y[yo+i] = bfloat16 h[ho+i] as float, i &lt; n. */
    static void bf16ToF32(short[] h, int ho, float[] y, int yo, int n) {
        int i = 0;
        if (WIDEN) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                loadBf16(h, ho + i).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] = Fp16.bf16ToFloat(h[ho + i]);
        }
    }

    /** Σ bfloat16 h[ho+i] · x[xo+i], i &lt; n. */
    static float dotBf16(short[] h, int ho, float[] x, int xo, int n) {
        int i = 0;
        float sum = 0;
        if (WIDEN) {
            FloatVector acc = FloatVector.zero(F);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                acc = loadBf16(h, ho + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += Fp16.bf16ToFloat(h[ho + i]) * x[xo + i];
        }
        return sum;
    }

    /** {@link #F}.length() IEEE halves from {@code h[i..]} as floats, exactly (subnormals and ±inf included; NaN stays NaN). */
    private static FloatVector loadF16(short[] h, int i) {
        IntVector bits16 = (IntVector) ShortVector.fromArray(S, h, i).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = bits16.and(0x7fff);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        // Exponent field e lands in the float exponent field: rescale by 2^(127-15). Exact for normals and
        // subnormals alike; infinities and NaNs take the all-ones exponent instead.
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7c00);
        IntVector bits = finite.blend(shifted.or(0x7f800000), special);
        return bits.or(bits16.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** {@link #F}.length() bfloat16 values from {@code h[i..]} as floats (exact). */
    private static FloatVector loadBf16(short[] h, int i) {
        IntVector bits16 = (IntVector) ShortVector.fromArray(S, h, i).convertShape(VectorOperators.S2I, I, 0);
        return bits16.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
