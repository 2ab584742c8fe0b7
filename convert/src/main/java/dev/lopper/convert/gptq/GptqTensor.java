package dev.lopper.convert.gptq;

import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.Dtype;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.convert.io.TensorReader;
import dev.lopper.quant.Fp16;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One GPTQ-quantized linear layer (AutoGPTQ / GPTQ-for-LLaMa layout), loaded into memory (about half a byte per
 * weight) so its rows can be produced one at a time:
 * <pre>
 * qweight int32 [in/8, out]      q[i, o]  = nibble (i mod 8) of qweight[i/8, o], low nibble first
 * qzeros  int32 [groups, out/8]  zs[g, o] = nibble (o mod 8) of qzeros[g, o/8]; zero z = zs + 1 (v1) or zs (v2)
 * scales  fp16  [groups, out]
 * g_idx   int32 [in]             the group of input column i (i / group_size without act-order)
 * W[o, i] = scales[g_idx[i], o] · (q[i, o] − z[g_idx[i], o])
 * </pre>
 * Every product is exact in float32 (an 11-bit scale times an integer below 32), so {@link #dequantizeRow} is the
 * exact weight. Without act-order and with groups that tile 32-column blocks, a row maps exactly onto ggml blocks:
 * Q4_0 ({@code d = scale}, {@code q} as stored; when every zero is 8) or Q4_1 ({@code d = scale},
 * {@code m = −scale·z} rounded to fp16).
 */
public final class GptqTensor {
    private final String name;
    private final int in;
    private final int out;
    private final int groups;
    private final int[] qzeros;
    private final StoredTensor qweightSource;
    private final StoredTensor scalesSource;
    private int[] qweight;
    private float[] scales;
    private final int[] gIdx;
    private final boolean actOrder;
    private final boolean allZeros8;
    private final int groupSize;
    private final boolean v2;

    private GptqTensor(String name, int in, int out, int groups, int groupSize, StoredTensor qweight, int[] qzeros,
                       StoredTensor scales, int[] gIdx, boolean v2) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.groupSize = groupSize;
        this.qweightSource = qweight;
        this.qzeros = qzeros;
        this.scalesSource = scales;
        this.gIdx = gIdx;
        boolean ordered = true;
        for (int i = 0; i < in && ordered; i++) {
            ordered = gIdx[i] == i / groupSize;
        }
        this.actOrder = !ordered;
        this.v2 = v2;
        boolean all8 = true;
        for (int g = 0; g < groups && all8; g++) {
            for (int o = 0; o < out && all8; o++) {
                all8 = zero(g, o) == 8;
            }
        }
        this.allZeros8 = all8;
    }

    /**
     * Checks the components' shapes and types, refuses what cannot be converted, and reads the small ones
     * ({@code g_idx}, {@code qzeros}, the bias); {@link #loadWeights} reads the rest when the rows are needed.
     *
     * @param module  the module name, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param qweight {@code module.qweight}
     * @param qzeros  {@code module.qzeros}
     * @param scales  {@code module.scales}
     * @param gIdx    {@code module.g_idx}, or null (then {@code i / group_size})
     * @param bias    {@code module.bias}, or null; must be all zeros
     */
    public static GptqTensor load(String module, StoredTensor qweight, StoredTensor qzeros, StoredTensor scales,
                                  StoredTensor gIdx, StoredTensor bias, GptqSettings settings, TensorReader reader)
            throws IOException {
        String file = qweight.file().getFileName().toString();
        String what = "GPTQ tensor " + FormatException.quote(module);
        if (settings.bits() != 4) {
            throw new CheckpointFormatException(file, what + ": " + settings.bits() + "-bit GPTQ (from "
                    + settings.source() + ") is not supported, only 4-bit");
        }
        if (qweight.rank() != 2 || qweight.dtype() != Dtype.I32) {
            throw new CheckpointFormatException(file, what + ": qweight is " + qweight.dtype() + " "
                    + qweight.shapeText() + ", expected I32 [in/8, out]");
        }
        long inL = qweight.dim(0) * 8;
        long outL = qweight.dim(1);
        if (inL > Integer.MAX_VALUE / 2 || outL > Integer.MAX_VALUE / 2 || outL % 8 != 0) {
            throw new CheckpointFormatException(file, what + ": qweight " + qweight.shapeText()
                    + " does not fit GPTQ's packing (out a multiple of 8)");
        }
        int in = (int) inL;
        int out = (int) outL;
        if (scales.rank() != 2 || !scales.dtype().isFloat() || scales.dim(1) != out || scales.dim(0) < 1) {
            throw new CheckpointFormatException(file, what + ": scales is " + scales.dtype() + " " + scales.shapeText()
                    + ", expected a float [groups, " + out + "]");
        }
        int groups = Math.toIntExact(scales.dim(0));
        if (qzeros.rank() != 2 || qzeros.dtype() != Dtype.I32 || qzeros.dim(0) != groups || qzeros.dim(1) * 8 != out) {
            throw new CheckpointFormatException(file, what + ": qzeros is " + qzeros.dtype() + " " + qzeros.shapeText()
                    + ", expected I32 [" + groups + ", " + out / 8 + "] (other packings are not supported)");
        }
        int gs = settings.groupSize() <= 0 ? in : settings.groupSize();
        if (gIdx == null && settings.groupSize() <= 0 && groups > 1) {
            gs = Math.ceilDiv(in, groups);
        }
        if (Math.ceilDiv(in, gs) != groups) {
            throw new CheckpointFormatException(file, what + ": " + groups + " groups of scales, but " + in
                    + " inputs in groups of " + gs + " (from " + settings.source() + ") make " + Math.ceilDiv(in, gs));
        }
        int[] g = new int[in];
        if (gIdx != null) {
            if (gIdx.rank() != 1 || gIdx.dim(0) != in || (gIdx.dtype() != Dtype.I32 && gIdx.dtype() != Dtype.I64)) {
                throw new CheckpointFormatException(file, what + ": g_idx is " + gIdx.dtype() + " " + gIdx.shapeText()
                        + ", expected I32 [" + in + "] (is this " + settings.bits() + "-bit GPTQ?)");
            }
            reader.readInts(gIdx, 0, in, g, 0);
            for (int i = 0; i < in; i++) {
                if (g[i] < 0 || g[i] >= groups) {
                    throw new CheckpointFormatException(file, what + ": g_idx[" + i + "] = " + g[i]
                            + " is not a group (0.." + (groups - 1) + ")");
                }
            }
        } else {
            for (int i = 0; i < in; i++) {
                g[i] = i / gs;
            }
        }
        if (bias != null) {
            checkZeroBias(bias, out, reader);
        }
        int[] qz = new int[Math.toIntExact(qzeros.elements())];
        reader.readInts(qzeros, 0, qz.length, qz, 0);
        return new GptqTensor(module, in, out, groups, gs, qweight, qz, scales, g, settings.v2());
    }

    /** Reads {@code qweight} and {@code scales} (about in·out/2 bytes) so rows can be produced. */
    public void loadWeights(TensorReader reader) throws IOException {
        int[] qw = new int[Math.toIntExact(qweightSource.elements())];
        reader.readInts(qweightSource, 0, qw.length, qw, 0);
        float[] sc = new float[Math.toIntExact(scalesSource.elements())];
        reader.readFloats(scalesSource, 0, sc.length, sc, 0);
        qweight = qw;
        scales = sc;
    }

    /** Drops what {@link #loadWeights} read. */
    public void unloadWeights() {
        qweight = null;
        scales = null;
    }

    /** The bytes of the packed weights and scales in the checkpoint. */
    public long storedBytes() {
        return qweightSource.byteSize() + scalesSource.byteSize();
    }

    /** Checks that a bias buffer of {@code out} floats is all zeros (GPTQ-for-LLaMa writes such buffers). */
    public static void checkZeroBias(StoredTensor bias, int out, TensorReader reader)
            throws IOException {
        String file = bias.file().getFileName().toString();
        if (bias.elements() != out || !bias.dtype().isFloat()) {
            throw new CheckpointFormatException(file, "tensor " + FormatException.quote(bias.name()) + " is "
                    + bias.dtype() + " " + bias.shapeText() + ", expected a float [" + out + "]");
        }
        float[] b = new float[out];
        reader.readFloats(bias, 0, out, b, 0);
        for (int o = 0; o < out; o++) {
            if (b[o] != 0) {
                throw new CheckpointFormatException(file, "tensor " + FormatException.quote(bias.name())
                        + " is a nonzero bias (element " + o + " = " + b[o] + "); LLaMA layers have no bias");
            }
        }
    }

    /** The module name. */
    public String name() {
        return name;
    }

    /** Input columns (the GGUF row length). */
    public int in() {
        return in;
    }

    /** Output rows. */
    public int out() {
        return out;
    }

    /** Input columns per group ({@code in} for one group per row). */
    public int groupSize() {
        return groupSize;
    }

    /** True when {@code g_idx} is not {@code i / group_size} (act-order, or any other permutation). */
    public boolean actOrder() {
        return actOrder;
    }

    /** True when every zero point is 8 (symmetric quantization). */
    public boolean symmetric() {
        return allZeros8;
    }

    /** True when the rows map exactly onto 32-weight blocks: no act-order, groups a multiple of 32 columns. */
    public boolean mapsToBlocks() {
        return !actOrder && in % 32 == 0 && groupSize % 32 == 0;
    }

    /** The real zero point of group {@code g}, output {@code o}. */
    int zero(int g, int o) {
        int stored = (qzeros[g * (out / 8) + o / 8] >>> (4 * (o % 8))) & 0xF;
        return v2 ? stored : stored + 1;
    }

    int q(int i, int o) {
        return (qweight[(i / 8) * out + o] >>> (4 * (i % 8))) & 0xF;
    }

    /** The exact weights of output row {@code o} into {@code dst[dstOffset .. + in)}. */
    public void dequantizeRow(int o, float[] dst, int dstOffset) {
        for (int i8 = 0; i8 < in / 8; i8++) {
            int packed = qweight[i8 * out + o];
            for (int k = 0; k < 8; k++) {
                int i = i8 * 8 + k;
                int g = gIdx[i];
                dst[dstOffset + i] = scales[g * out + o] * (((packed >>> (4 * k)) & 0xF) - zero(g, o));
            }
        }
    }

    /**
     * Writes row {@code o} as {@code in/32} ggml blocks: {@code block_q4_0} ({@code q4_0} true; needs
     * {@link #symmetric()}) or {@code block_q4_1}, at {@code dst[offset..]}. Needs {@link #mapsToBlocks()}.
     */
    public void writeRow(int o, boolean q4_0, MemorySegment dst, long offset) {
        if (!mapsToBlocks() || (q4_0 && !allZeros8)) {
            throw new IllegalStateException(name + " does not map exactly onto " + (q4_0 ? "Q4_0" : "Q4_1"));
        }
        int blockBytes = q4_0 ? 18 : 20;
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < in / 32; b++) {
            long at = offset + (long) b * blockBytes;
            int g = (b * 32) / groupSize;
            float s = scales[g * out + o];
            dst.set(half, at, Fp16.fromFloat(s));
            long qs = at + 2;
            if (!q4_0) {
                dst.set(half, at + 2, Fp16.fromFloat(-s * zero(g, o)));
                qs = at + 4;
            }
            for (int j = 0; j < 16; j++) {
                int lo = q(b * 32 + j, o);
                int hi = q(b * 32 + j + 16, o);
                dst.set(ValueLayout.JAVA_BYTE, qs + j, (byte) (lo | (hi << 4)));
            }
        }
    }
}
