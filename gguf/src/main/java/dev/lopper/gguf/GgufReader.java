package dev.lopper.gguf;

import dev.lopper.gguf.MetadataValue.ArrayValue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the header, metadata and tensor infos of a GGUF file held in a memory segment. Every read
 * is bounds-checked against the segment first, and every count is checked against the bytes left before anything
 * is allocated, so that any input ends in a result or a {@link GgufFormatException}.
 */
final class GgufReader {
    /** Deepest nesting of arrays in arrays accepted (an array of arrays is depth 2). */
    static final int MAX_ARRAY_DEPTH = 8;
    /** The largest Java array this reader allocates. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    static final int MAX_DIMS = 4;
    static final long DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Minimum bytes of one metadata key/value: key length, value type, one byte of value. */
    private static final long MIN_KV_BYTES = 8 + 4 + 1;
    /** Minimum bytes of one tensor info: name length, dim count, one dim, type, offset. */
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    /**
     * What a parse yields; the caller owns the segment.
     *
     * @param missingBytes bytes of tensor data past the end of the file (0 for a complete file); only a parse that
     *                     allows truncated data returns more than 0
     */
    record Parsed(int version, long alignment, long dataOffset, GgufMetadata metadata, List<TensorInfo> tensors,
                  long missingBytes) {
    }

    /** What the header declares. */
    private record Header(int version, long tensorCount, long kvCount) {
    }

    /** Where each tensor info's data offset field is, for messages about its data. */
    private record TensorInfos(List<TensorInfo> tensors, long[] offsetFieldAt) {
    }

    private final MemorySegment seg;
    private final long size;
    private final String file;
    private final boolean allowTruncatedData;
    private long pos;
    private long alignment = DEFAULT_ALIGNMENT;
    /** Rough heap bytes the parsed structures may take; bounded so a hostile file cannot exhaust the heap. */
    private long heapBudget;

    private GgufReader(MemorySegment seg, String file, boolean allowTruncatedData) {
        this.seg = seg;
        this.size = seg.byteSize();
        this.file = file;
        this.allowTruncatedData = allowTruncatedData;
        this.heapBudget = Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 2);
    }

    /**
     * Parses the GGUF structure of {@code seg}, the whole file; tensor data past the end of the file is an error.
     *
     * @param file the name used in error messages
     */
    static Parsed parse(MemorySegment seg, String file) throws GgufFormatException {
        return parse(seg, file, false);
    }

    /**
     * Parses the GGUF structure of {@code seg}. With {@code allowTruncatedData}, a file cut off inside its tensor
     * data parses (its header, metadata and tensor infos are whole) and {@link Parsed#missingBytes()} says how
     * much is missing; everything else is checked as strictly as without.
     */
    static Parsed parse(MemorySegment seg, String file, boolean allowTruncatedData) throws GgufFormatException {
        GgufReader r = new GgufReader(seg, file, allowTruncatedData);
        try {
            return r.parse();
        } catch (GgufFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // Defensive: every check should make this unreachable.
            throw new GgufFormatException(file, "unexpected " + e, r.pos);
        }
    }

    private Parsed parse() throws GgufFormatException {
        Header header = header();
        GgufMetadata metadata = metadata(header.kvCount());
        TensorInfos infos = tensorInfos(header.tensorCount());
        // Data section: starts at the next multiple of the alignment. A file without tensors may end before it.
        long dataOffset = (pos + alignment - 1) / alignment * alignment;
        long dataEnd = checkDataRanges(infos, dataOffset);
        long missing = Math.max(0, dataEnd - size);
        return new Parsed(header.version(), alignment, dataOffset, metadata, List.copyOf(infos.tensors()), missing);
    }

    /** Magic, version, tensor count and metadata count. */
    private Header header() throws GgufFormatException {
        if (size < 4) {
            throw error("file too short for the GGUF magic (size " + size + "): truncated or empty", 0);
        }
        int magic = seg.get(U32, 0);
        if (magic != 0x46554747) { // "GGUF" read little-endian
            throw error(String.format("not a GGUF file: magic bytes %02x %02x %02x %02x, expected 47 47 55 46 (GGUF)",
                    magic & 0xff, (magic >>> 8) & 0xff, (magic >>> 16) & 0xff, magic >>> 24), 0);
        }
        pos = 4;
        long version = u32("version");
        if (version != 2 && version != 3) {
            String why;
            if (version == 1) {
                why = "GGUF version 1 is not supported (only versions 2 and 3)";
            } else if (version == 0x02000000L || version == 0x03000000L) {
                why = "big-endian GGUF (version " + Integer.reverseBytes((int) version)
                        + " byte-swapped) is not supported";
            } else {
                why = "unsupported GGUF version " + version + " (only versions 2 and 3)";
            }
            throw error(why, 4);
        }
        long tensorCount = count("tensor count", MIN_TENSOR_INFO_BYTES);
        long kvCount = count("metadata key/value count", MIN_KV_BYTES);
        if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > remaining()) {
            throw error(tensorCount + " tensors and " + kvCount + " metadata keys cannot fit in the remaining "
                    + remaining() + " bytes: truncated or a bad count", 8);
        }
        return new Header((int) version, tensorCount, kvCount);
    }

    /** The metadata key/value pairs; sets {@link #alignment} from {@code general.alignment}. */
    private GgufMetadata metadata(long kvCount) throws GgufFormatException {
        LinkedHashMap<String, MetadataValue> kvs = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos;
            final long index = i;
            String key = string(() -> "metadata key #" + index);
            if (kvs.containsKey(key)) {
                throw error("duplicate metadata key " + quote(key), keyAt);
            }
            long typeAt = pos;
            MetadataType type = valueType(() -> "metadata key " + quote(key));
            MetadataValue value = value(type, () -> "metadata key " + quote(key), 1);
            if (key.equals(ALIGNMENT_KEY)) {
                alignment = alignment(value, typeAt);
            }
            kvs.put(key, value);
        }
        return new GgufMetadata(kvs);
    }

    /** The tensor infos, each checked on its own: name, shape, type, offset. */
    private TensorInfos tensorInfos(long tensorCount) throws GgufFormatException {
        // Grown as read, not sized by the (checked but unproven) count.
        List<TensorInfo> tensors = new ArrayList<>();
        long[] offsetFieldAt = new long[(int) tensorCount];
        Map<String, TensorInfo> byName = new HashMap<>();
        for (int i = 0; i < tensorCount; i++) {
            long infoAt = pos;
            final int index = i;
            String name = string(() -> "tensor #" + index + " name");
            charge(160 + 2L * name.length(), "tensor " + quote(name));
            String what = "tensor " + quote(name);
            long dimsAt = pos;
            long[] shape = shape(what);
            GgmlType type = tensorType(what);
            if (shape[0] % type.blockSize() != 0) {
                throw error(what + ": ne0 = " + shape[0] + " is not a multiple of the " + type + " block size "
                        + type.blockSize(), dimsAt + 4);
            }
            long elements = 1;
            for (long ne : shape) {
                elements *= ne; // cannot overflow: checked by shape()
            }
            if (elements / type.blockSize() > Long.MAX_VALUE / type.typeSize()) {
                throw error(what + ": byte size of " + elements + " " + type + " elements overflows", pos - 4);
            }
            offsetFieldAt[i] = pos;
            long offset = dataOffset(what);
            TensorInfo t = new TensorInfo(name, type, shape, offset);
            if (byName.putIfAbsent(name, t) != null) {
                throw error("duplicate tensor name " + quote(name), infoAt);
            }
            tensors.add(t);
        }
        return new TensorInfos(tensors, offsetFieldAt);
    }

    /** A dimension count and that many positive dimensions whose product fits a {@code long}. */
    private long[] shape(String what) throws GgufFormatException {
        long dimsAt = pos;
        long nDims = u32(what + " dimension count");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw error(what + ": " + nDims + " dimensions, expected 1 to " + MAX_DIMS, dimsAt);
        }
        long[] shape = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long neAt = pos;
            long ne = u64(what + " ne" + d);
            if (ne <= 0) {
                throw error(what + ": ne" + d + " = " + Long.toUnsignedString(ne) + " is not a positive size", neAt);
            }
            shape[d] = ne;
            elements = Math.multiplyHigh(elements, ne) != 0 ? -1 : elements * ne;
            if (elements < 0) {
                throw error(what + ": element count of shape " + Arrays.toString(Arrays.copyOf(shape, d + 1))
                        + " overflows", neAt);
            }
        }
        return shape;
    }

    private GgmlType tensorType(String what) throws GgufFormatException {
        long typeAt = pos;
        long typeId = u32(what + " type");
        GgmlType type = GgmlType.fromId(typeId).orElse(null);
        if (type == null) {
            String removed = GgmlType.removedName(typeId).orElse(null);
            throw error(what + ": type " + typeId
                    + (removed != null ? " (" + removed + ", removed from ggml)" : " is unknown"), typeAt);
        }
        return type;
    }

    /**
     * A tensor's data offset, relative to the data section: aligned, and below 2^63. Whether the data lies in the
     * file is checked once the data section's start is known.
     */
    private long dataOffset(String what) throws GgufFormatException {
        long offsetAt = pos;
        long offset = u64(what + " data offset");
        if (offset < 0) {
            throw error(what + ": data offset " + Long.toUnsignedString(offset) + " is past end of file (size "
                    + size + ")", offsetAt);
        }
        if (offset % alignment != 0) {
            throw error(what + ": data offset " + offset + " is not a multiple of the alignment " + alignment,
                    offsetAt);
        }
        return offset;
    }

    /**
     * Checks that the tensors' data lie in the file (unless truncated data is allowed) and do not overlap.
     *
     * @return the end of the last tensor's data, which may lie past the end of a truncated file
     */
    private long checkDataRanges(TensorInfos infos, long dataOffset) throws GgufFormatException {
        List<TensorInfo> tensors = infos.tensors();
        long[][] ranges = new long[tensors.size()][];
        long dataEnd = dataOffset;
        for (int i = 0; i < tensors.size(); i++) {
            TensorInfo t = tensors.get(i);
            long start = dataOffset + t.offset();
            long bytes = t.byteSize();
            if (start < 0 || bytes > Long.MAX_VALUE - start) {
                throw error("tensor " + quote(t.name()) + ": data offset " + t.offset() + " + " + bytes
                        + " bytes overflows", infos.offsetFieldAt()[i]);
            }
            long end = start + bytes;
            if (end > size && !allowTruncatedData) {
                throw error("tensor " + quote(t.name()) + ": data [" + start + ".." + end + ") past end of file (size "
                        + size + "): truncated, " + (end - size) + " bytes missing", infos.offsetFieldAt()[i]);
            }
            dataEnd = Math.max(dataEnd, end);
            ranges[i] = new long[] {start, end, i};
        }
        Arrays.sort(ranges, Comparator.comparingLong(r -> r[0]));
        for (int i = 1; i < ranges.length; i++) {
            if (ranges[i][0] < ranges[i - 1][1]) {
                TensorInfo a = tensors.get((int) ranges[i - 1][2]);
                TensorInfo b = tensors.get((int) ranges[i][2]);
                throw error("tensor " + quote(b.name()) + ": data [" + ranges[i][0] + ".." + ranges[i][1]
                        + ") overlaps tensor " + quote(a.name()) + " [" + ranges[i - 1][0] + ".." + ranges[i - 1][1]
                        + ")", infos.offsetFieldAt()[(int) ranges[i][2]]);
            }
        }
        return dataEnd;
    }

    private long alignment(MetadataValue value, long at) throws GgufFormatException {
        if (!(value instanceof MetadataValue.IntValue iv) || iv.type() != MetadataType.UINT32) {
            throw error(ALIGNMENT_KEY + " has type " + value.typeName() + ", expected UINT32", at);
        }
        long a = iv.value();
        if (a == 0 || (a & (a - 1)) != 0) {
            throw error(ALIGNMENT_KEY + " = " + a + " is not a power of two", at + 4);
        }
        return a;
    }

    /** A uint64 count whose elements take at least {@code minBytes} each. */
    private long count(String what, long minBytes) throws GgufFormatException {
        long at = pos;
        long n = u64(what);
        if (n < 0 || n > remaining() / minBytes) {
            throw error(what + " " + Long.toUnsignedString(n) + " cannot fit in the remaining " + remaining()
                    + " bytes: truncated or a bad count", at);
        }
        if (n > MAX_ELEMENTS) {
            throw error(what + " " + n + " is too large", at);
        }
        return n;
    }

    private MetadataType valueType(Ctx ctx) throws GgufFormatException {
        long at = pos;
        long id = u32(ctx.get() + " value type");
        MetadataType t = MetadataType.fromId(id).orElse(null);
        if (t == null) {
            throw error(ctx.get() + ": unknown value type " + id, at);
        }
        return t;
    }

    private MetadataValue value(MetadataType type, Ctx ctx, int depth) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> new MetadataValue.IntValue(type, Byte.toUnsignedLong(seg.get(ValueLayout.JAVA_BYTE,
                    need(1, ctx))));
            case INT8 -> new MetadataValue.IntValue(type, seg.get(ValueLayout.JAVA_BYTE, need(1, ctx)));
            case UINT16 -> new MetadataValue.IntValue(type, Short.toUnsignedLong(seg.get(U16, need(2, ctx))));
            case INT16 -> new MetadataValue.IntValue(type, seg.get(U16, need(2, ctx)));
            case UINT32 -> new MetadataValue.IntValue(type, Integer.toUnsignedLong(seg.get(U32, need(4, ctx))));
            case INT32 -> new MetadataValue.IntValue(type, seg.get(U32, need(4, ctx)));
            case UINT64, INT64 -> new MetadataValue.IntValue(type, seg.get(U64, need(8, ctx)));
            case FLOAT32 -> new MetadataValue.Float32Value(seg.get(F32, need(4, ctx)));
            case FLOAT64 -> new MetadataValue.Float64Value(seg.get(F64, need(8, ctx)));
            case BOOL -> new MetadataValue.BoolValue(bool(need(1, ctx), ctx));
            case STRING -> new MetadataValue.StringValue(string(ctx));
            case ARRAY -> array(ctx, depth);
        };
    }

    private ArrayValue<?> array(Ctx ctx, int depth) throws GgufFormatException {
        long startAt = pos;
        if (depth > MAX_ARRAY_DEPTH) {
            throw error(ctx.get() + ": arrays nested deeper than " + MAX_ARRAY_DEPTH, startAt);
        }
        MetadataType et = valueType(() -> ctx.get() + " array element");
        long countAt = pos;
        long n = u64(ctx.get() + " array length");
        long minBytes = switch (et) {
            case STRING -> 8;
            case ARRAY -> 4 + 8;
            default -> et.size();
        };
        if (n < 0 || n > remaining() / minBytes) {
            throw error(ctx.get() + ": array of " + Long.toUnsignedString(n) + " " + et
                    + " elements past end of file (size " + size + ", " + remaining() + " bytes left): truncated or a bad length",
                    countAt);
        }
        if (n > MAX_ELEMENTS) {
            throw error(ctx.get() + ": array of " + n + " " + et + " elements is too large", countAt);
        }
        int len = (int) n;
        charge(16 + n * switch (et) {
            case STRING -> 8;
            case ARRAY -> 48;
            default -> et.size();
        }, ctx.get());
        return switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[len];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, need(n, ctx), a, 0, len);
                yield ArrayValue.of(et, a);
            }
            case UINT16, INT16 -> {
                short[] a = new short[len];
                MemorySegment.copy(seg, U16, need(n * 2, ctx), a, 0, len);
                yield ArrayValue.of(et, a);
            }
            case UINT32, INT32 -> {
                int[] a = new int[len];
                MemorySegment.copy(seg, U32, need(n * 4, ctx), a, 0, len);
                yield ArrayValue.of(et, a);
            }
            case UINT64, INT64 -> {
                long[] a = new long[len];
                MemorySegment.copy(seg, U64, need(n * 8, ctx), a, 0, len);
                yield ArrayValue.of(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                MemorySegment.copy(seg, F32, need(n * 4, ctx), a, 0, len);
                yield ArrayValue.of(a);
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                MemorySegment.copy(seg, F64, need(n * 8, ctx), a, 0, len);
                yield ArrayValue.of(a);
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                long at = need(n, ctx);
                for (int i = 0; i < len; i++) {
                    final int index = i;
                    a[i] = bool(at + i, () -> ctx.get() + " element " + index);
                }
                yield ArrayValue.of(a);
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) {
                    final int index = i;
                    a[i] = string(() -> ctx.get() + " element " + index);
                }
                yield ArrayValue.of(a);
            }
            case ARRAY -> {
                List<ArrayValue<?>> a = new ArrayList<>(len);
                for (int i = 0; i < len; i++) {
                    final int index = i;
                    a.add(array(() -> ctx.get() + " element " + index, depth + 1));
                }
                yield ArrayValue.ofArrays(a);
            }
        };
    }

    private boolean bool(long at, Ctx ctx) throws GgufFormatException {
        byte b = seg.get(ValueLayout.JAVA_BYTE, at);
        if (b != 0 && b != 1) {
            throw error(ctx.get() + ": BOOL byte " + (b & 0xff) + " is not 0 or 1", at);
        }
        return b == 1;
    }

    /** A length-prefixed UTF-8 string; malformed UTF-8 is decoded with U+FFFD replacements. */
    private String string(Ctx ctx) throws GgufFormatException {
        long at = pos;
        long n = u64(ctx.get() + " string length");
        if (n < 0 || n > remaining()) {
            throw error(ctx.get() + ": string of " + Long.toUnsignedString(n) + " bytes past end of file (size "
                    + size + ", " + remaining() + " bytes left): truncated or a bad length", at);
        }
        if (n > MAX_ELEMENTS) {
            throw error(ctx.get() + ": string of " + n + " bytes is too large", at);
        }
        if (n == 0) {
            return "";
        }
        charge(48 + 2 * n, ctx.get());
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, need(n, ctx), b, 0, (int) n);
        return new String(b, StandardCharsets.UTF_8);
    }

    private long u32(String what) throws GgufFormatException {
        return Integer.toUnsignedLong(seg.get(U32, need(4, () -> what)));
    }

    private long u64(String what) throws GgufFormatException {
        return seg.get(U64, need(8, () -> what));
    }

    /** Checks that {@code n} bytes remain, advances past them and returns where they start. */
    private long need(long n, Ctx ctx) throws GgufFormatException {
        if (n > remaining()) {
            throw error(ctx.get() + ": needs " + n + " bytes, only " + remaining() + " left before end of file (size "
                    + size + "): truncated", pos);
        }
        long at = pos;
        pos += n;
        return at;
    }

    private long remaining() {
        return size - pos;
    }

    private void charge(long bytes, String what) throws GgufFormatException {
        heapBudget -= bytes;
        if (heapBudget < 0) {
            throw error(what + ": metadata and tensor infos need more heap than half the JVM maximum", pos);
        }
    }

    private GgufFormatException error(String detail, long at) {
        return new GgufFormatException(file, detail, at);
    }

    private static String quote(String s) {
        return GgufFormatException.quote(s);
    }

    /** Describes the field being read, built only when there is an error. */
    @FunctionalInterface
    private interface Ctx {
        String get();
    }
}
