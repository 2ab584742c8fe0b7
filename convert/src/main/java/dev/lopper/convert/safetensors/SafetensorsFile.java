package dev.lopper.convert.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.convert.io.Dtype;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The header of one {@code .safetensors} file (https://github.com/huggingface/safetensors, "Format"): an 8-byte
 * little-endian header length N, N bytes of JSON mapping each tensor name to {@code dtype}, {@code shape} and
 * {@code data_offsets} [begin, end) relative to the data that follows the header, plus an optional
 * {@code __metadata__} map of strings. Every length and range is checked against the file's size before anything is
 * allocated or read; the data itself is left in the file.
 */
public final class SafetensorsFile {
    /** The largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsFile() {
    }

    /** The tensors of a file, in header order. */
    public static List<StoredTensor> read(Path file) throws IOException {
        String name = file.getFileName().toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsFormatException(name, "file has " + size + " bytes, too short for the 8-byte header length", 0);
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, name);
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > size - 8 || n > MAX_HEADER) {
                throw new SafetensorsFormatException(name, "header length " + Long.toUnsignedString(n)
                        + " does not fit the file (" + size + " bytes; at most " + MAX_HEADER + ")", 0);
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8, name);
            JsonNode root;
            try {
                root = JSON.readTree(header.array());
            } catch (JacksonException e) {
                throw new SafetensorsFormatException(name, "header is not valid JSON: "
                        + e.getOriginalMessage(), 8 + Math.max(0, e.getLocation() == null ? 0 : e.getLocation().getByteOffset()));
            } catch (CharConversionException e) { // Jackson took the first bytes for UTF-32 and met an invalid character
                throw new SafetensorsFormatException(name, "header is not valid JSON: " + e.getMessage(), 8);
            }
            if (root == null || !root.isObject()) {
                throw new SafetensorsFormatException(name, "header is not a JSON object", 8);
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            List<StoredTensor> out = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                out.add(tensor(name, file, e.getKey(), e.getValue(), dataStart, dataSize));
            }
            return out;
        }
    }

    private static StoredTensor tensor(String file, Path path, String tname, JsonNode v, long dataStart, long dataSize)
            throws SafetensorsFormatException {
        String what = "tensor " + FormatException.quote(tname);
        if (!v.isObject()) {
            throw new SafetensorsFormatException(file, what + ": entry is not an object", 8);
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsFormatException(file, what + ": no dtype", 8);
        }
        Dtype dtype = switch (dt.asText()) {
            case "F16" -> Dtype.F16;
            case "BF16" -> Dtype.BF16;
            case "F32" -> Dtype.F32;
            case "I32" -> Dtype.I32;
            case "I64" -> Dtype.I64;
            default -> throw new SafetensorsFormatException(file, what + ": dtype " + FormatException.quote(dt.asText())
                    + " is not supported (F16, BF16, F32, I32, I64)", 8);
        };
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray() || sh.size() > 8) {
            throw new SafetensorsFormatException(file, what + ": shape is missing or not an array of at most 8 sizes", 8);
        }
        long[] shape = new long[sh.size()];
        long elements = 1;
        long span = 1; // the product of the non-zero sizes: a zero must not hide sizes whose product overflows
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafetensorsFormatException(file, what + ": shape " + sh + " has an entry that is not a size", 8);
            }
            shape[i] = d.asLong();
            elements = mulOrMax(elements, shape[i]);
            span = shape[i] == 0 ? span : mulOrMax(span, shape[i]);
        }
        if (span == Long.MAX_VALUE) {
            throw new SafetensorsFormatException(file, what + ": shape " + sh + " has more than 2^63 elements", 8);
        }
        long bytes = mulOrMax(elements, dtype.bytes());
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new SafetensorsFormatException(file, what + ": data_offsets is not a pair of integers", 8);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new SafetensorsFormatException(file, what + ": data_offsets [" + begin + ", " + end
                    + ") lie outside the data (" + dataSize + " bytes)", 8);
        }
        if (end - begin != bytes) {
            throw new SafetensorsFormatException(file, what + ": data_offsets [" + begin + ", " + end + ") hold "
                    + (end - begin) + " bytes but " + dtype + " " + sh + " needs "
                    + (bytes == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(bytes)), 8);
        }
        return new StoredTensor(tname, dtype, shape, path, dataStart + begin);
    }

    private static long mulOrMax(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, String name) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new SafetensorsFormatException(name, "file ends early", pos);
            }
            pos += r;
        }
    }
}
