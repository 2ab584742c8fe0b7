package dev.lopper.gguf;

import dev.lopper.gguf.MetadataValue.ArrayValue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes GGUF files (little-endian, version 2 or 3): the metadata as given, then the tensor infos and data in list
 * order, each tensor's data at the next multiple of the alignment ({@code general.alignment}, or 32), padded with
 * zeros, also after the last tensor as llama.cpp does (so copies of llama.cpp's files are byte-identical). The file
 * is written to a temporary file in the target's directory and renamed over the target only when complete, so an
 * existing file is never left half-written.
 */
public final class GgufWriter {
    private static final int BUFFER = 4 << 20;

    private GgufWriter() {
    }

    /**
     * Supplies a tensor's bytes when the writer reaches it, so tensors can be produced one at a time. Called once
     * per write; the segment must hold exactly the tensor's byte size.
     */
    @FunctionalInterface
    public interface ByteSource {
        /** The tensor's bytes. */
        MemorySegment open() throws IOException;
    }

    /**
     * A tensor to write.
     *
     * @param name   the tensor name (unique within the file)
     * @param type   the element type
     * @param shape  dimensions in ggml order (ne0 first), 1 to 4 positive entries, ne0 a multiple of the block size
     * @param source the bytes, {@link GgmlType#byteSize type.byteSize(elements)} of them
     */
    public record TensorEntry(String name, GgmlType type, long[] shape, ByteSource source) {
        /** Copies {@code shape}. */
        public TensorEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(source, "source");
            shape = Objects.requireNonNull(shape, "shape").clone();
        }

        /** A tensor whose bytes are already in a segment (heap or native, e.g. another file's mapping). */
        public TensorEntry(String name, GgmlType type, long[] shape, MemorySegment data) {
            this(name, type, shape, constant(Objects.requireNonNull(data, "data")));
        }

        private static ByteSource constant(MemorySegment data) {
            return () -> data;
        }

        /** A copy of the shape. */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The number of data bytes this entry must supply. */
        public long byteSize() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return type.byteSize(n);
        }

        @Override
        public String toString() {
            return "TensorEntry[" + GgufFormatException.quote(name) + " " + type + " " + Arrays.toString(shape) + "]";
        }
    }

    /**
     * Writes a GGUF file, replacing {@code out} atomically if it exists.
     *
     * @param version  2 or 3 (the layout is the same; 3 is current)
     * @param metadata written in its order; {@code general.alignment}, if present, must be a UINT32 power of two
     * @param tensors  written in this order
     * @throws IllegalArgumentException if the version, alignment, a tensor's name, shape, type or data size is
     *                                  invalid (nothing is left at {@code out} then)
     * @throws IOException              if writing fails (an existing {@code out} is untouched then)
     */
    public static void write(Path out, int version, GgufMetadata metadata, List<TensorEntry> tensors)
            throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(metadata, "metadata");
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version " + version + " cannot be written (only 2 and 3)");
        }
        long alignment = alignment(metadata);
        List<TensorEntry> list = List.copyOf(tensors);
        long[] offsets = layout(list, alignment);

        Path abs = out.toAbsolutePath();
        Path tmp = createTemp(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                Sink sink = new Sink(ch);
                sink.u32(0x46554747);
                sink.u32(version);
                sink.u64(list.size());
                sink.u64(metadata.size());
                for (var e : metadata.asMap().entrySet()) {
                    sink.string(e.getKey());
                    sink.u32(e.getValue().type().id());
                    value(sink, e.getValue());
                }
                for (int i = 0; i < list.size(); i++) {
                    TensorEntry t = list.get(i);
                    sink.string(t.name());
                    sink.u32(t.shape.length);
                    for (long d : t.shape) {
                        sink.u64(d);
                    }
                    sink.u32(t.type().id());
                    sink.u64(offsets[i]);
                }
                sink.pad(alignment);
                long dataStart = sink.position();
                for (int i = 0; i < list.size(); i++) {
                    TensorEntry t = list.get(i);
                    sink.zeros(dataStart + offsets[i] - sink.position());
                    MemorySegment data = t.source().open();
                    if (data == null || data.byteSize() != t.byteSize()) {
                        throw new IllegalArgumentException("tensor " + GgufFormatException.quote(t.name())
                                + ": data has " + (data == null ? "no" : data.byteSize()) + " bytes, expected "
                                + t.byteSize());
                    }
                    sink.segment(data);
                }
                if (!list.isEmpty()) {
                    sink.pad(alignment); // as llama.cpp does: the file ends on a multiple of the alignment
                }
                sink.flush();
                ch.force(false);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes a copy of {@code src} (same version, metadata, tensors in file order and their bytes) to {@code out}. */
    public static void copy(GgufFile src, Path out) throws IOException {
        List<TensorEntry> entries = new ArrayList<>(src.tensors().size());
        for (TensorInfo t : src.tensors()) {
            entries.add(new TensorEntry(t.name(), t.type(), t.shape(), src.data(t)));
        }
        write(out, src.version(), src.metadata(), entries);
    }

    private static long alignment(GgufMetadata md) {
        MetadataValue v = md.get(GgufReader.ALIGNMENT_KEY).orElse(null);
        if (v == null) {
            return GgufReader.DEFAULT_ALIGNMENT;
        }
        if (!(v instanceof MetadataValue.IntValue iv) || iv.type() != MetadataType.UINT32) {
            throw new IllegalArgumentException(GgufReader.ALIGNMENT_KEY + " has type " + v.typeName()
                    + ", expected UINT32");
        }
        long a = iv.value();
        if (a == 0 || (a & (a - 1)) != 0) {
            throw new IllegalArgumentException(GgufReader.ALIGNMENT_KEY + " = " + a + " is not a power of two");
        }
        return a;
    }

    /** Validates the entries and returns each one's data offset relative to the data section. */
    private static long[] layout(List<TensorEntry> list, long alignment) {
        long[] offsets = new long[list.size()];
        Set<String> names = new HashSet<>();
        long end = 0;
        for (int i = 0; i < list.size(); i++) {
            TensorEntry t = list.get(i);
            String what = "tensor " + GgufFormatException.quote(t.name());
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("duplicate " + what);
            }
            if (t.shape.length < 1 || t.shape.length > GgufReader.MAX_DIMS) {
                throw new IllegalArgumentException(what + ": " + t.shape.length + " dimensions, expected 1 to "
                        + GgufReader.MAX_DIMS);
            }
            for (long d : t.shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException(what + ": shape " + Arrays.toString(t.shape)
                            + " has a dimension that is not positive");
                }
            }
            if (t.shape[0] % t.type().blockSize() != 0) {
                throw new IllegalArgumentException(what + ": ne0 = " + t.shape[0] + " is not a multiple of the "
                        + t.type() + " block size " + t.type().blockSize());
            }
            long size = t.byteSize();
            long start = Math.multiplyExact(Math.ceilDiv(end, alignment), alignment);
            offsets[i] = start;
            end = Math.addExact(start, size);
        }
        return offsets;
    }

    private static Path createTemp(Path target) throws IOException {
        Path dir = target.getParent();
        String base = "." + target.getFileName() + ".";
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(base + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static void value(Sink s, MetadataValue v) throws IOException {
        switch (v) {
            case MetadataValue.IntValue i -> {
                switch (i.type().size()) {
                    case 1 -> s.u8((int) i.value());
                    case 2 -> s.u16((int) i.value());
                    case 4 -> s.u32((int) i.value());
                    default -> s.u64(i.value());
                }
            }
            case MetadataValue.Float32Value f -> s.u32(Float.floatToRawIntBits(f.value()));
            case MetadataValue.Float64Value f -> s.u64(Double.doubleToRawLongBits(f.value()));
            case MetadataValue.BoolValue b -> s.u8(b.value() ? 1 : 0);
            case MetadataValue.StringValue str -> s.string(str.value());
            case ArrayValue<?> a -> array(s, a);
        }
    }

    private static void array(Sink s, ArrayValue<?> a) throws IOException {
        s.u32(a.elementType().id());
        s.u64(a.size());
        int n = a.size();
        for (int i = 0; i < n; i++) {
            switch (a.elementType()) {
                case UINT8, INT8 -> s.u8((int) a.getLong(i));
                case UINT16, INT16 -> s.u16((int) a.getLong(i));
                case UINT32, INT32 -> s.u32((int) a.getLong(i));
                case UINT64, INT64 -> s.u64(a.getLong(i));
                case FLOAT32 -> s.u32(Float.floatToRawIntBits(a.getFloat(i)));
                case FLOAT64 -> s.u64(Double.doubleToRawLongBits(a.getDouble(i)));
                case BOOL -> s.u8(a.getBool(i) ? 1 : 0);
                case STRING -> s.string(a.getString(i));
                case ARRAY -> array(s, a.getArray(i));
            }
        }
    }

    /** Buffered little-endian output to a channel, counting the bytes written. */
    private static final class Sink {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment bufSeg = MemorySegment.ofBuffer(buf);
        private long flushed;

        Sink(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return flushed + buf.position();
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
        }

        void u16(int v) throws IOException {
            room(2);
            buf.putShort((short) v);
        }

        void u32(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void u64(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            segment(MemorySegment.ofArray(b));
        }

        void zeros(long n) throws IOException {
            while (n > 0) {
                room(1);
                int k = (int) Math.min(n, buf.remaining());
                bufSeg.asSlice(buf.position(), k).fill((byte) 0);
                buf.position(buf.position() + k);
                n -= k;
            }
        }

        void pad(long alignment) throws IOException {
            zeros(Math.ceilDiv(position(), alignment) * alignment - position());
        }

        /** Copies any segment (heap of any array type, or native) through the buffer. */
        void segment(MemorySegment src) throws IOException {
            long off = 0;
            long n = src.byteSize();
            while (off < n) {
                room(1);
                int k = (int) Math.min(n - off, buf.remaining());
                MemorySegment.copy(src, off, bufSeg, buf.position(), k);
                buf.position(buf.position() + k);
                off += k;
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                flushed += ch.write(buf);
            }
            buf.clear();
        }
    }
}
