package dev.lopper.gguf;

import dev.lopper.gguf.MetadataValue.ArrayValue;
import dev.lopper.gguf.MetadataValue.BoolValue;
import dev.lopper.gguf.MetadataValue.Float32Value;
import dev.lopper.gguf.MetadataValue.Float64Value;
import dev.lopper.gguf.MetadataValue.IntValue;
import dev.lopper.gguf.MetadataValue.StringValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, immutable, in file order.
 *
 * <p>Typed accessors convert where nothing is lost: {@link #getInt} and {@link #getLong} accept every integer
 * width and fail if the number does not fit; {@link #getFloat} and {@link #getDouble} accept any numeric type. A
 * missing key gives {@link NoSuchElementException} ("metadata key 'llama.block_count' is missing") and a value of
 * the wrong type {@link IllegalArgumentException} naming the key, the expected and the actual type. The overloads
 * with a default return it only when the key is missing, never when the type is wrong.
 */
public final class GgufMetadata {
    private static final GgufMetadata EMPTY = new GgufMetadata(new LinkedHashMap<>());

    private final Map<String, MetadataValue> values;

    /** Takes ownership of {@code values}. */
    GgufMetadata(LinkedHashMap<String, MetadataValue> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** Metadata with no keys. */
    public static GgufMetadata empty() {
        return EMPTY;
    }

    /** A builder for new metadata. */
    public static Builder builder() {
        return new Builder(new LinkedHashMap<>());
    }

    /** A builder that starts with these keys and values, in this order. */
    public Builder toBuilder() {
        return new Builder(new LinkedHashMap<>(values));
    }

    /** The keys, in file order. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** The number of keys. */
    public int size() {
        return values.size();
    }

    /** The keys and values as an unmodifiable map, in file order. */
    public Map<String, MetadataValue> asMap() {
        return values;
    }

    /** True if the key is present. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of a key, if present. */
    public Optional<MetadataValue> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** An integer of any width that fits in an {@code int}. */
    public int getInt(String key) {
        return toInt(key, intValue(key, require(key)));
    }

    /** Like {@link #getInt(String)}, or {@code dflt} if the key is missing. */
    public int getInt(String key, int dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : toInt(key, intValue(key, v));
    }

    /** An integer of any width that fits in a {@code long} (UINT64 values up to 2^63 - 1). */
    public long getLong(String key) {
        return toLong(key, intValue(key, require(key)));
    }

    /** Like {@link #getLong(String)}, or {@code dflt} if the key is missing. */
    public long getLong(String key, long dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : toLong(key, intValue(key, v));
    }

    /** Any numeric value, converted to {@code float}. */
    public float getFloat(String key) {
        return (float) toDouble(key, require(key));
    }

    /** Like {@link #getFloat(String)}, or {@code dflt} if the key is missing. */
    public float getFloat(String key, float dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : (float) toDouble(key, v);
    }

    /** Any numeric value, converted to {@code double}. */
    public double getDouble(String key) {
        return toDouble(key, require(key));
    }

    /** Like {@link #getDouble(String)}, or {@code dflt} if the key is missing. */
    public double getDouble(String key, double dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : toDouble(key, v);
    }

    /** A BOOL value. */
    public boolean getBool(String key) {
        return toBool(key, require(key));
    }

    /** Like {@link #getBool(String)}, or {@code dflt} if the key is missing. */
    public boolean getBool(String key, boolean dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : toBool(key, v);
    }

    /** A STRING value. */
    public String getString(String key) {
        return toStr(key, require(key));
    }

    /** Like {@link #getString(String)}, or {@code dflt} if the key is missing. */
    public String getString(String key, String dflt) {
        MetadataValue v = values.get(key);
        return v == null ? dflt : toStr(key, v);
    }

    /** An ARRAY of STRING, as a new array. */
    public String[] getStringArray(String key) {
        MetadataValue v = require(key);
        if (v instanceof ArrayValue<?> a && a.values() instanceof String[] strings) {
            return strings;
        }
        throw wrongType(key, "ARRAY of STRING", v);
    }

    /** An ARRAY of any numeric type, converted to a new {@code float[]}. */
    public float[] getFloatArray(String key) {
        MetadataValue v = require(key);
        if (!(v instanceof ArrayValue<?> a) || !a.elementType().isNumeric()) {
            throw wrongType(key, "a numeric ARRAY", v);
        }
        if (a.elementType() == MetadataType.FLOAT32) {
            return (float[]) a.values();
        }
        float[] out = new float[a.size()];
        boolean u64 = a.elementType() == MetadataType.UINT64;
        for (int i = 0; i < out.length; i++) {
            if (a.elementType() == MetadataType.FLOAT64) {
                out[i] = (float) a.getDouble(i);
            } else {
                long x = a.getLong(i);
                out[i] = u64 && x < 0 ? (float) unsignedToDouble(x) : (float) x;
            }
        }
        return out;
    }

    /** An ARRAY of any integer type whose elements all fit in an {@code int}, as a new {@code int[]}. */
    public int[] getIntArray(String key) {
        MetadataValue v = require(key);
        if (v instanceof ArrayValue<?> a && a.elementType() == MetadataType.INT32) {
            return (int[]) a.values();
        }
        if (v instanceof ArrayValue<?> a && a.elementType().isInteger()) {
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                long x = a.getLong(i);
                if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE
                        || (x < 0 && a.elementType() == MetadataType.UINT64)) {
                    throw new IllegalArgumentException("metadata key " + GgufFormatException.quote(key)
                            + ": element " + i + " (" + a.elementType() + " "
                            + (a.elementType() == MetadataType.UINT64 ? Long.toUnsignedString(x) : x)
                            + ") does not fit in an int");
                }
                out[i] = (int) x;
            }
            return out;
        }
        throw wrongType(key, "an integer ARRAY", v);
    }

    /**
     * A per-layer integer hyperparameter: a scalar integer is repeated for every layer; an integer array must have
     * exactly {@code layers} elements.
     *
     * @throws IllegalArgumentException if the value is neither, or an array of another length
     */
    public int[] getPerLayerInt(String key, int layers) {
        if (layers < 0) {
            throw new IllegalArgumentException("layers " + layers + " < 0");
        }
        MetadataValue v = require(key);
        if (v instanceof IntValue) {
            int[] out = new int[layers];
            Arrays.fill(out, getInt(key));
            return out;
        }
        if (v instanceof ArrayValue<?> a && a.elementType().isInteger()) {
            if (a.size() != layers) {
                throw new IllegalArgumentException("metadata key " + GgufFormatException.quote(key) + " has "
                        + a.size() + " elements, expected " + layers + " (one per layer)");
            }
            return getIntArray(key);
        }
        throw wrongType(key, "an integer or an integer ARRAY", v);
    }

    private MetadataValue require(String key) {
        MetadataValue v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException("metadata key " + GgufFormatException.quote(key) + " is missing");
        }
        return v;
    }

    private static IntValue intValue(String key, MetadataValue v) {
        if (v instanceof IntValue i) {
            return i;
        }
        throw wrongType(key, "an integer", v);
    }

    private static int toInt(String key, IntValue v) {
        long x = v.value();
        if (!v.fitsLong() || x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw doesNotFit(key, v, "an int");
        }
        return (int) x;
    }

    private static long toLong(String key, IntValue v) {
        if (!v.fitsLong()) {
            throw doesNotFit(key, v, "a long");
        }
        return v.value();
    }

    private static double toDouble(String key, MetadataValue v) {
        return switch (v) {
            case Float32Value f -> f.value();
            case Float64Value f -> f.value();
            case IntValue i -> i.fitsLong() ? (double) i.value() : unsignedToDouble(i.value());
            default -> throw wrongType(key, "a number", v);
        };
    }

    private static boolean toBool(String key, MetadataValue v) {
        if (v instanceof BoolValue b) {
            return b.value();
        }
        throw wrongType(key, "BOOL", v);
    }

    private static String toStr(String key, MetadataValue v) {
        if (v instanceof StringValue s) {
            return s.value();
        }
        throw wrongType(key, "STRING", v);
    }

    private static double unsignedToDouble(long bits) {
        return (double) (bits >>> 1) * 2.0 + (bits & 1);
    }

    private static IllegalArgumentException wrongType(String key, String expected, MetadataValue actual) {
        return new IllegalArgumentException("metadata key " + GgufFormatException.quote(key) + " has type "
                + actual.typeName() + ", expected " + expected);
    }

    private static IllegalArgumentException doesNotFit(String key, IntValue v, String what) {
        return new IllegalArgumentException("metadata key " + GgufFormatException.quote(key) + " has " + v.type()
                + " value " + (v.type() == MetadataType.UINT64 ? Long.toUnsignedString(v.value()) : v.value())
                + ", which does not fit in " + what);
    }

    /** Equal if the same keys, in the same order, have equal values. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufMetadata m && values.equals(m.values)
                && new ArrayList<>(values.keySet()).equals(new ArrayList<>(m.values.keySet()));
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** The keys and (shortened) values: {@code GgufMetadata{k=v, ...}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("GgufMetadata{");
        String sep = "";
        for (Map.Entry<String, MetadataValue> e : values.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=');
            String v = e.getValue().toString();
            sb.append(v.length() > 200 ? v.substring(0, 200) + "..." : v);
            sep = ", ";
        }
        return sb.append('}').toString();
    }

    /**
     * Assembles metadata for a writer. Keys keep the order of their first {@code put}; putting a key again replaces
     * its value in place.
     */
    public static final class Builder {
        private final LinkedHashMap<String, MetadataValue> values;

        private Builder(LinkedHashMap<String, MetadataValue> values) {
            this.values = values;
        }

        /** Sets a key to any value. */
        public Builder put(String key, MetadataValue value) {
            values.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Removes a key if present. */
        public Builder remove(String key) {
            values.remove(key);
            return this;
        }

        /** A UINT8 (0..255). */
        public Builder putUint8(String key, int value) {
            return put(key, new IntValue(MetadataType.UINT8, value));
        }

        /** An INT8. */
        public Builder putInt8(String key, byte value) {
            return put(key, new IntValue(MetadataType.INT8, value));
        }

        /** A UINT16 (0..65535). */
        public Builder putUint16(String key, int value) {
            return put(key, new IntValue(MetadataType.UINT16, value));
        }

        /** An INT16. */
        public Builder putInt16(String key, short value) {
            return put(key, new IntValue(MetadataType.INT16, value));
        }

        /** A UINT32 (0..2^32-1). */
        public Builder putUint32(String key, long value) {
            return put(key, new IntValue(MetadataType.UINT32, value));
        }

        /** An INT32. */
        public Builder putInt32(String key, int value) {
            return put(key, new IntValue(MetadataType.INT32, value));
        }

        /** A UINT64 given as its raw 64 bits. */
        public Builder putUint64(String key, long value) {
            return put(key, new IntValue(MetadataType.UINT64, value));
        }

        /** An INT64. */
        public Builder putInt64(String key, long value) {
            return put(key, new IntValue(MetadataType.INT64, value));
        }

        /** A FLOAT32. */
        public Builder putFloat32(String key, float value) {
            return put(key, new Float32Value(value));
        }

        /** A FLOAT64. */
        public Builder putFloat64(String key, double value) {
            return put(key, new Float64Value(value));
        }

        /** A BOOL. */
        public Builder putBool(String key, boolean value) {
            return put(key, new BoolValue(value));
        }

        /** A STRING. */
        public Builder putString(String key, String value) {
            return put(key, new StringValue(value));
        }

        /** An ARRAY of STRING. */
        public Builder putStringArray(String key, String... values) {
            return put(key, ArrayValue.of(values));
        }

        /** An ARRAY of FLOAT32. */
        public Builder putFloat32Array(String key, float... values) {
            return put(key, ArrayValue.of(values));
        }

        /** An ARRAY of INT32. */
        public Builder putInt32Array(String key, int... values) {
            return put(key, ArrayValue.of(MetadataType.INT32, values));
        }

        /** An ARRAY of UINT32 (each int is the raw 32 bits). */
        public Builder putUint32Array(String key, int... values) {
            return put(key, ArrayValue.of(MetadataType.UINT32, values));
        }

        /** Any array value. */
        public Builder putArray(String key, ArrayValue<?> value) {
            return put(key, value);
        }

        /** The metadata; the builder can be reused afterwards. */
        public GgufMetadata build() {
            return new GgufMetadata(new LinkedHashMap<>(values));
        }

        /** The keys put so far, in order. */
        public List<String> keys() {
            return List.copyOf(values.keySet());
        }
    }
}
