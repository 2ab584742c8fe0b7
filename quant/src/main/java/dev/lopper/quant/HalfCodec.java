package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The two 16-bit float types, F16 and BF16, one element per "block": what they share — the exact dequantize and
 * dot through a per-thread chunk of halves, and the float → 16-bit quantizer. Each subclass keeps its own
 * conversions and its row kernel (a vector loop per format, so each call site sees one conversion).
 */
abstract sealed class HalfCodec implements BlockCodec, BlockQuantizer, RowKernel permits F16Codec, BF16Codec {

    private final GgmlType type;

    HalfCodec(GgmlType type) {
        this.type = type;
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    /** {@code y[yo+i]} = value of the 16-bit float {@code h[ho+i]}, i &lt; n. */
    abstract void widen(short[] h, int ho, float[] y, int yo, int n);

    /** Σ value(h[ho+i]) · x[xo+i], i &lt; n. */
    abstract float dotHalves(short[] h, int ho, float[] x, int xo, int n);

    /** The 16-bit float nearest {@code value} (round to nearest even). */
    abstract short narrow(float value);

    @Override
    public final void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        Blocks.count(type, n, dst, dstOffset);
        short[] h = Blocks.scratch().halves;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, LittleEndian.I16, offset + 2L * done, h, 0, len);
            widen(h, 0, dst, dstOffset + done, len);
        }
    }

    @Override
    public final float dot(MemorySegment src, long offset, float[] x, int xOffset, int n) {
        Blocks.count(type, n, x, xOffset);
        short[] h = Blocks.scratch().halves;
        float sum = 0;
        for (int done = 0; done < n; done += h.length) {
            int len = Math.min(h.length, n - done);
            MemorySegment.copy(src, LittleEndian.I16, offset + 2L * done, h, 0, len);
            sum += dotHalves(h, 0, x, xOffset + done, len);
        }
        return sum;
    }

    @Override
    public final void quantize(float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        Blocks.count(type, n, src, srcOffset);
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.I16, dstOffset + 2L * i, narrow(src[srcOffset + i]));
        }
    }

    @Override
    public final boolean int8() {
        return false;
    }
}
