package dev.lopper.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.IntFunction;

/**
 * One GGUF metadata value. Scalars are {@link IntValue} (all eight integer types, with the type kept),
 * {@link Float32Value}, {@link Float64Value}, {@link BoolValue} and {@link StringValue}. Arrays are
 * {@link ArrayValue}s stored as primitive Java arrays of the element's own width (a UINT32 array is an {@code int[]}
 * of the raw bits), so that 32000 vocabulary scores take 128 KB and writing a value back gives the same bytes.
 * Arrays of arrays are {@link NestedArray}s. Array records copy their arrays in and out; use {@code get(i)} to read
 * single elements without a copy.
 */
public sealed interface MetadataValue {

    /** The type stored in the file ({@link MetadataType#ARRAY} for every array). */
    MetadataType type();

    /** The type for messages: {@code UINT32}, or {@code ARRAY of STRING} for arrays. */
    default String typeName() {
        return type().name();
    }

    /**
     * An integer of any of the eight GGUF integer types. {@code value} is the number itself, range-checked against
     * the type, except for {@link MetadataType#UINT64}, where it is the raw 64 bits (read it unsigned).
     */
    record IntValue(MetadataType type, long value) implements MetadataValue {
        /** @throws IllegalArgumentException if {@code type} is not an integer type or the value does not fit it */
        public IntValue {
            Objects.requireNonNull(type, "type");
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
            if (!fits(type, value)) {
                throw new IllegalArgumentException("value " + value + " does not fit in " + type);
            }
        }

        /** True if the number (not the bits) fits in a Java {@code long}: false only for UINT64 values ≥ 2^63. */
        public boolean fitsLong() {
            return type != MetadataType.UINT64 || value >= 0;
        }

        @Override
        public String toString() {
            return type + "(" + (type == MetadataType.UINT64 ? Long.toUnsignedString(value) : Long.toString(value))
                    + ")";
        }

        static boolean fits(MetadataType type, long v) {
            return switch (type) {
                case UINT8 -> v >= 0 && v <= 0xFF;
                case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
                case UINT16 -> v >= 0 && v <= 0xFFFF;
                case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
                case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
                case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
                default -> true;
            };
        }
    }

    /** A FLOAT32 value. */
    record Float32Value(float value) implements MetadataValue {
        @Override
        public MetadataType type() {
            return MetadataType.FLOAT32;
        }

        @Override
        public String toString() {
            return "FLOAT32(" + value + ")";
        }
    }

    /** A FLOAT64 value. */
    record Float64Value(double value) implements MetadataValue {
        @Override
        public MetadataType type() {
            return MetadataType.FLOAT64;
        }

        @Override
        public String toString() {
            return "FLOAT64(" + value + ")";
        }
    }

    /** A BOOL value (one byte, 0 or 1, in the file). */
    record BoolValue(boolean value) implements MetadataValue {
        @Override
        public MetadataType type() {
            return MetadataType.BOOL;
        }

        @Override
        public String toString() {
            return "BOOL(" + value + ")";
        }
    }

    /** A STRING value (UTF-8 in the file). */
    record StringValue(String value) implements MetadataValue {
        public StringValue {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public MetadataType type() {
            return MetadataType.STRING;
        }

        /** {@code STRING('...')}, quoted and shortened to one line. */
        @Override
        public String toString() {
            return "STRING(" + GgufFormatException.quote(value) + ")";
        }
    }

    /** An ARRAY value: a count and elements of one {@link #elementType()}. */
    sealed interface ArrayValue extends MetadataValue {
        /** The type of the elements. */
        MetadataType elementType();

        /** The number of elements. */
        int size();

        @Override
        default MetadataType type() {
            return MetadataType.ARRAY;
        }

        @Override
        default String typeName() {
            return "ARRAY of " + elementType();
        }
    }

    /** An array of one of the eight integer types. */
    sealed interface IntegerArray extends ArrayValue {
        /**
         * Element {@code i} as a number (sign- or zero-extended per the element type); for UINT64 the raw 64 bits.
         */
        long getLong(int i);
    }

    /** An array of UINT8 or INT8, stored as the raw bytes. */
    record ByteArray(MetadataType elementType, byte[] values) implements IntegerArray {
        public ByteArray {
            checkType(elementType, MetadataType.UINT8, MetadataType.INT8);
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public byte[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public long getLong(int i) {
            return elementType == MetadataType.UINT8 ? Byte.toUnsignedLong(values[i]) : values[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteArray a && a.elementType == elementType && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Long.toString(getLong(i)));
        }
    }

    /** An array of UINT16 or INT16, stored as the raw 16-bit values. */
    record ShortArray(MetadataType elementType, short[] values) implements IntegerArray {
        public ShortArray {
            checkType(elementType, MetadataType.UINT16, MetadataType.INT16);
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public short[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public long getLong(int i) {
            return elementType == MetadataType.UINT16 ? Short.toUnsignedLong(values[i]) : values[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShortArray a && a.elementType == elementType && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Long.toString(getLong(i)));
        }
    }

    /** An array of UINT32 or INT32, stored as the raw 32-bit values. */
    record IntArray(MetadataType elementType, int[] values) implements IntegerArray {
        public IntArray {
            checkType(elementType, MetadataType.UINT32, MetadataType.INT32);
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public int[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public long getLong(int i) {
            return elementType == MetadataType.UINT32 ? Integer.toUnsignedLong(values[i]) : values[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IntArray a && a.elementType == elementType && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Long.toString(getLong(i)));
        }
    }

    /** An array of UINT64 or INT64, stored as the raw 64-bit values. */
    record LongArray(MetadataType elementType, long[] values) implements IntegerArray {
        public LongArray {
            checkType(elementType, MetadataType.UINT64, MetadataType.INT64);
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public long[] values() {
            return values.clone();
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public long getLong(int i) {
            return values[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LongArray a && a.elementType == elementType && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> elementType == MetadataType.UINT64
                    ? Long.toUnsignedString(values[i]) : Long.toString(values[i]));
        }
    }

    /** An array of FLOAT32. */
    record Float32Array(float[] values) implements ArrayValue {
        public Float32Array {
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        /** Element {@code i}. */
        public float get(int i) {
            return values[i];
        }

        @Override
        public MetadataType elementType() {
            return MetadataType.FLOAT32;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Float32Array a && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Float.toString(values[i]));
        }
    }

    /** An array of FLOAT64. */
    record Float64Array(double[] values) implements ArrayValue {
        public Float64Array {
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        /** Element {@code i}. */
        public double get(int i) {
            return values[i];
        }

        @Override
        public MetadataType elementType() {
            return MetadataType.FLOAT64;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Float64Array a && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Double.toString(values[i]));
        }
    }

    /** An array of BOOL. */
    record BoolArray(boolean[] values) implements ArrayValue {
        public BoolArray {
            values = Objects.requireNonNull(values, "values").clone();
        }

        @Override
        public boolean[] values() {
            return values.clone();
        }

        /** Element {@code i}. */
        public boolean get(int i) {
            return values[i];
        }

        @Override
        public MetadataType elementType() {
            return MetadataType.BOOL;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BoolArray a && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> Boolean.toString(values[i]));
        }
    }

    /** An array of STRING (no element is null). */
    record StringArray(String[] values) implements ArrayValue {
        public StringArray {
            values = Objects.requireNonNull(values, "values").clone();
            for (String s : values) {
                Objects.requireNonNull(s, "string array element");
            }
        }

        @Override
        public String[] values() {
            return values.clone();
        }

        /** Element {@code i}. */
        public String get(int i) {
            return values[i];
        }

        @Override
        public MetadataType elementType() {
            return MetadataType.STRING;
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StringArray a && Arrays.equals(a.values, values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return describe(this, i -> GgufFormatException.quote(values[i]));
        }
    }

    /** An array of arrays; each inner array has its own element type. */
    record NestedArray(List<ArrayValue> values) implements ArrayValue {
        public NestedArray {
            values = List.copyOf(values);
        }

        /** Element {@code i}. */
        public ArrayValue get(int i) {
            return values.get(i);
        }

        @Override
        public MetadataType elementType() {
            return MetadataType.ARRAY;
        }

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public String toString() {
            return describe(this, i -> values.get(i).toString());
        }
    }

    private static void checkType(MetadataType elementType, MetadataType a, MetadataType b) {
        if (elementType != a && elementType != b) {
            throw new IllegalArgumentException("element type " + elementType + " is not " + a + " or " + b);
        }
    }

    private static String describe(ArrayValue v, IntFunction<String> element) {
        StringJoiner j = new StringJoiner(", ", v.typeName() + "[" + v.size() + "]{", "}");
        int shown = Math.min(v.size(), 8);
        for (int i = 0; i < shown; i++) {
            j.add(element.apply(i));
        }
        if (shown < v.size()) {
            j.add("...");
        }
        return j.toString();
    }
}
