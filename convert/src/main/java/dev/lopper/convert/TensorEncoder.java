package dev.lopper.convert;

import dev.lopper.convert.gptq.GptqTensor;
import dev.lopper.convert.io.TensorReader;
import dev.lopper.gguf.GgmlType;
import dev.lopper.quant.BlockCodec;
import dev.lopper.quant.BlockQuantizer;
import dev.lopper.quant.Fp16;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Produces one planned tensor's GGUF bytes at a time into native memory that is freed when the next tensor starts
 * (or at {@link #close()}), reading the source a few MB at a time: so memory holds at most one output tensor plus
 * small buffers. Measures each tensor's largest error by decoding what it wrote and comparing with the exact source
 * values.
 */
final class TensorEncoder implements AutoCloseable {
    /** Floats per chunk of rows read from the source. */
    private static final int CHUNK_FLOATS = 1 << 22;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TensorReader reader;
    private Arena arena;
    private double lastError;
    private short[] halves = new short[0];
    private float[] exactBuf = new float[0];
    private float[] backBuf = new float[0];
    private float[] srcBuf = new float[0];

    TensorEncoder(TensorReader reader) {
        this.reader = reader;
    }

    /** The largest |written − source| of the last tensor encoded. */
    double lastError() {
        return lastError;
    }

    /** The tensor's bytes, valid until the next call or {@link #close()}. */
    MemorySegment encode(PlannedTensor p) throws IOException {
        release();
        arena = Arena.ofConfined();
        MemorySegment out = arena.allocate(p.byteSize(), 64);
        int cols = Math.toIntExact(p.cols());
        long rows = p.rows();
        int hd = p.headDim();
        int chunkRows = hd > 0 ? hd : (int) Math.max(1, Math.min(rows, CHUNK_FLOATS / cols));
        if (hd > 0 && rows % hd != 0) {
            throw new IllegalStateException(p.name() + ": " + rows + " rows are not whole heads of " + hd);
        }
        // three chunk buffers kept across tensors: fresh ones per tensor were garbage that the default heap let
        // grow to ~1.5 GB of RSS on a 13B-shaped checkpoint before a collection
        int need = chunkRows * cols;
        if (exactBuf.length < need) {
            exactBuf = new float[need];
            backBuf = new float[need];
            srcBuf = new float[need];
        }
        float[] exact = exactBuf;
        float[] back = backBuf;
        float[] src = hd > 0 ? srcBuf : exact;
        long rowBytes = p.type().byteSize(cols);
        GptqTensor gptq = p.source() instanceof PlannedTensor.FromGptq g ? g.gptq() : null;
        boolean exactMap = p.source() instanceof PlannedTensor.FromGptq g && g.exact();
        if (gptq != null) {
            gptq.loadWeights(reader);
        }
        double maxErr = 0;
        try {
            for (long r0 = 0; r0 < rows; r0 += chunkRows) {
                int n = (int) Math.min(chunkRows, rows - r0);
                // exact[i] = source row perm(r0 + i), perm = rotate-half → adjacent pairs within each head
                switch (p.source()) {
                    case PlannedTensor.FromFloat f -> reader.readFloats(f.tensor(), r0 * cols, n * cols, src, 0);
                    case PlannedTensor.Generated gen -> System.arraycopy(gen.values(), (int) (r0 * cols), src, 0, n * cols);
                    case PlannedTensor.FromGptq g -> {
                        for (int i = 0; i < n; i++) {
                            g.gptq().dequantizeRow((int) (r0 + i), src, i * cols);
                        }
                    }
                }
                if (hd > 0) {
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(src, sourceRow(i, hd) * cols, exact, i * cols, cols);
                    }
                }
                long at = r0 * rowBytes;
                if (exactMap) {
                    for (int i = 0; i < n; i++) {
                        int srcRow = (int) (r0 + (hd > 0 ? sourceRow(i, hd) : i));
                        gptq.writeRow(srcRow, p.type() == GgmlType.Q4_0, out, at + i * rowBytes);
                    }
                } else {
                    write(p.type(), exact, n * cols, out, at);
                }
                BlockCodec.of(p.type()).dequantize(out, at, back, 0, n * cols);
                for (int i = 0; i < n * cols; i++) {
                    double e = Math.abs((double) back[i] - exact[i]);
                    if (e > maxErr || Double.isNaN(e)) {
                        maxErr = Double.isNaN(e) ? Double.NaN : e;
                    }
                }
            }
        } finally {
            if (gptq != null) {
                gptq.unloadWeights();
            }
        }
        lastError = maxErr;
        return out;
    }

    /** Row {@code i} of a head in GGUF order comes from this row of the head in Hugging Face's rotate-half order. */
    static int sourceRow(int i, int headDim) {
        int head = i / headDim;
        int r = i % headDim;
        return head * headDim + (r % 2) * (headDim / 2) + r / 2;
    }

    private void write(GgmlType type, float[] x, int n, MemorySegment out, long at) {
        switch (type) {
            case F32 -> MemorySegment.copy(x, 0, out, F32, at, n);
            case F16, BF16 -> {
                if (halves.length < n) {
                    halves = new short[n];
                }
                for (int i = 0; i < n; i++) {
                    halves[i] = type == GgmlType.F16 ? Fp16.fromFloat(x[i]) : Fp16.floatToBf16(x[i]);
                }
                MemorySegment.copy(halves, 0, out, I16, at, n);
            }
            default -> BlockQuantizer.forType(type).orElseThrow(() -> new IllegalStateException("no quantizer for " + type))
                    .quantize(x, 0, n, out, at);
        }
    }

    private void release() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    @Override
    public void close() {
        release();
    }
}
