package dev.lopper.convert.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads stored tensors' elements with positional reads through one reused direct buffer, never mapping the files:
 * so a conversion keeps no input pages resident however large the checkpoint. Files are opened on first use and
 * closed by {@link #close()}. Not thread-safe.
 */
public final class TensorReader implements Closeable {
    private static final int CHUNK = 8 << 20;

    private final Map<Path, FileChannel> channels = new HashMap<>();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

    /**
     * Reads elements {@code [first, first + count)} of a float tensor (F16, BF16 or F32) into {@code dst[dstOffset..]}
     * as floats (exactly: every F16 and BF16 value is a float).
     */
    public void readFloats(StoredTensor t, long first, int count, float[] dst, int dstOffset) throws IOException {
        Dtype d = t.dtype();
        if (!d.isFloat()) {
            throw new IllegalArgumentException("tensor " + FormatException.quote(t.name()) + " is " + d + ", not a float type");
        }
        int per = CHUNK / d.bytes();
        int done = 0;
        while (done < count) {
            int n = Math.min(per, count - done);
            fill(t, first + done, n);
            for (int i = 0; i < n; i++) {
                dst[dstOffset + done + i] = switch (d) {
                    case F16 -> Float.float16ToFloat(buf.getShort());
                    case BF16 -> Float.intBitsToFloat(buf.getShort() << 16);
                    default -> buf.getFloat();
                };
            }
            done += n;
        }
    }

    /** Reads elements {@code [first, first + count)} of an I32 tensor (or an I64 tensor whose values fit an int). */
    public void readInts(StoredTensor t, long first, int count, int[] dst, int dstOffset) throws IOException {
        Dtype d = t.dtype();
        if (d != Dtype.I32 && d != Dtype.I64) {
            throw new IllegalArgumentException("tensor " + FormatException.quote(t.name()) + " is " + d + ", not an integer type");
        }
        int per = CHUNK / d.bytes();
        int done = 0;
        while (done < count) {
            int n = Math.min(per, count - done);
            fill(t, first + done, n);
            for (int i = 0; i < n; i++) {
                if (d == Dtype.I32) {
                    dst[dstOffset + done + i] = buf.getInt();
                } else {
                    long v = buf.getLong();
                    if (v != (int) v) {
                        throw new IOException(t.file().getFileName() + ": tensor " + FormatException.quote(t.name())
                                + ": value " + v + " at element " + (first + done + i) + " does not fit 32 bits");
                    }
                    dst[dstOffset + done + i] = (int) v;
                }
            }
            done += n;
        }
    }

    /** Reads {@code n} elements from element {@code first} into the buffer, flipped for reading. */
    private void fill(StoredTensor t, long first, int n) throws IOException {
        long elements = t.elements();
        if (first < 0 || n < 0 || first + n > elements) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + n) + ") of "
                    + t.name() + " with " + elements);
        }
        FileChannel ch = channel(t.file());
        long pos = t.offset() + first * t.dtype().bytes();
        buf.clear().limit(n * t.dtype().bytes());
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new EOFException(t.file().getFileName() + ": tensor " + FormatException.quote(t.name())
                        + ": file ends at byte " + pos + " inside the tensor's data (was it truncated?)");
            }
            pos += r;
        }
        buf.flip();
    }

    private FileChannel channel(Path file) throws IOException {
        FileChannel ch = channels.get(file);
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channels.put(file, ch);
        }
        return ch;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        channels.clear();
        if (first != null) {
            throw first;
        }
    }
}
