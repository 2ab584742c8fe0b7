package dev.lopper.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * One GGUF metadata value. Scalars are {@link IntValue} (all eight integer types, with the type kept),
 * {@link Float32Value}, {@link Float64Value}, {@link BoolValue} and {@link StringValue}. Arrays, arrays of arrays
 * included, are one generic record, {@link ArrayValue}, stored as a primitive Java array of the element's own width
 * (a UINT32 array is an {@code int[]} of the raw bits), so that 32000 vocabulary scores take 128 KB and writing a
 * value back gives the same bytes.
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

    /**
     * An ARRAY value: elements of one {@link #elementType()}, held in a primitive Java array of the element's own
     * width: {@code byte[]} for UINT8/INT8, {@code short[]} for UINT16/INT16, {@code int[]} for UINT32/INT32,
     * {@code long[]} for UINT64/INT64 (unsigned types keep their raw bits), {@code float[]}, {@code double[]},
     * {@code boolean[]}, {@code String[]}, and {@code ArrayValue<?>[]} for arrays of arrays (each inner array has
     * its own element type). The array is copied in and out; the {@code get…(i)} methods read one element without
     * a copy.
     *
     * @param <A> the Java array type holding the elements
     */
    record ArrayValue<A>(MetadataType elementType, A values) implements MetadataValue {
        /**
         * @throws IllegalArgumentException if {@code values} is not the Java array type of {@code elementType}
         * @throws NullPointerException     if a string or inner array is null
         */
        public ArrayValue {
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(values, "values");
            Class<?> expected = storage(elementType);
            if (values.getClass() != expected) {
                throw new IllegalArgumentException("element type " + elementType + " is stored as "
                        + expected.getSimpleName() + ", not " + values.getClass().getSimpleName());
            }
            values = copy(values);
            if (values instanceof Object[] objects) {
                for (Object o : objects) {
                    Objects.requireNonNull(o, "array element");
                }
            }
        }

        /** An array of UINT8 or INT8. */
        public static ArrayValue<byte[]> of(MetadataType elementType, byte[] values) {
            return new ArrayValue<>(elementType, values);
        }

        /** An array of UINT16 or INT16 (raw 16-bit values). */
        public static ArrayValue<short[]> of(MetadataType elementType, short[] values) {
            return new ArrayValue<>(elementType, values);
        }

        /** An array of UINT32 or INT32 (raw 32-bit values). */
        public static ArrayValue<int[]> of(MetadataType elementType, int[] values) {
            return new ArrayValue<>(elementType, values);
        }

        /** An array of UINT64 or INT64 (raw 64-bit values). */
        public static ArrayValue<long[]> of(MetadataType elementType, long[] values) {
            return new ArrayValue<>(elementType, values);
        }

        /** An array of FLOAT32. */
        public static ArrayValue<float[]> of(float... values) {
            return new ArrayValue<>(MetadataType.FLOAT32, values);
        }

        /** An array of FLOAT64. */
        public static ArrayValue<double[]> of(double... values) {
            return new ArrayValue<>(MetadataType.FLOAT64, values);
        }

        /** An array of BOOL. */
        public static ArrayValue<boolean[]> of(boolean... values) {
            return new ArrayValue<>(MetadataType.BOOL, values);
        }

        /** An array of STRING. */
        public static ArrayValue<String[]> of(String... values) {
            return new ArrayValue<>(MetadataType.STRING, values);
        }

        /** An array of arrays. */
        public static ArrayValue<ArrayValue<?>[]> ofArrays(List<? extends ArrayValue<?>> values) {
            return new ArrayValue<>(MetadataType.ARRAY, values.toArray(new ArrayValue<?>[0]));
        }

        /** The Java array type that holds elements of {@code elementType}. */
        static Class<?> storage(MetadataType elementType) {
            return switch (elementType) {
                case UINT8, INT8 -> byte[].class;
                case UINT16, INT16 -> short[].class;
                case UINT32, INT32 -> int[].class;
                case UINT64, INT64 -> long[].class;
                case FLOAT32 -> float[].class;
                case FLOAT64 -> double[].class;
                case BOOL -> boolean[].class;
                case STRING -> String[].class;
                case ARRAY -> ArrayValue[].class;
            };
        }

        @SuppressWarnings("unchecked")
        private static <A> A copy(A values) {
            Object c = switch (values) {
                case byte[] a -> a.clone();
                case short[] a -> a.clone();
                case int[] a -> a.clone();
                case long[] a -> a.clone();
                case float[] a -> a.clone();
                case double[] a -> a.clone();
                case boolean[] a -> a.clone();
                case Object[] a -> a.clone();
                default -> throw new IllegalArgumentException(values.getClass() + " is not an array");
            };
            return (A) c;
        }

        /** A copy of the elements. */
        @Override
        public A values() {
            return copy(values);
        }

        @Override
        public MetadataType type() {
            return MetadataType.ARRAY;
        }

        @Override
        public String typeName() {
            return "ARRAY of " + elementType;
        }

        /** The number of elements. */
        public int size() {
            return java.lang.reflect.Array.getLength(values);
        }

        /**
         * Integer element {@code i} as a number (sign- or zero-extended per the element type); for UINT64 the raw
         * 64 bits.
         *
         * @throws IllegalStateException if the elements are not integers
         */
        public long getLong(int i) {
            return switch (values) {
                case byte[] a -> elementType == MetadataType.UINT8 ? Byte.toUnsignedLong(a[i]) : a[i];
                case short[] a -> elementType == MetadataType.UINT16 ? Short.toUnsignedLong(a[i]) : a[i];
                case int[] a -> elementType == MetadataType.UINT32 ? Integer.toUnsignedLong(a[i]) : a[i];
                case long[] a -> a[i];
                default -> throw notOf("integer");
            };
        }

        /** FLOAT32 element {@code i}. @throws IllegalStateException for other element types */
        public float getFloat(int i) {
            if (values instanceof float[] a) {
                return a[i];
            }
            throw notOf("FLOAT32");
        }

        /** FLOAT64 element {@code i}. @throws IllegalStateException for other element types */
        public double getDouble(int i) {
            if (values instanceof double[] a) {
                return a[i];
            }
            throw notOf("FLOAT64");
        }

        /** BOOL element {@code i}. @throws IllegalStateException for other element types */
        public boolean getBool(int i) {
            if (values instanceof boolean[] a) {
                return a[i];
            }
            throw notOf("BOOL");
        }

        /** STRING element {@code i}. @throws IllegalStateException for other element types */
        public String getString(int i) {
            if (values instanceof String[] a) {
                return a[i];
            }
            throw notOf("STRING");
        }

        /** Inner array {@code i} of an array of arrays. @throws IllegalStateException for other element types */
        public ArrayValue<?> getArray(int i) {
            if (elementType == MetadataType.ARRAY) {
                return (ArrayValue<?>) ((Object[]) values)[i];
            }
            throw notOf("ARRAY");
        }

        /** Element {@code i} as text: unsigned integers as unsigned, strings quoted to one line. */
        public String format(int i) {
            return switch (values) {
                case long[] a when elementType == MetadataType.UINT64 -> Long.toUnsignedString(a[i]);
                case float[] a -> Float.toString(a[i]);
                case double[] a -> Double.toString(a[i]);
                case boolean[] a -> Boolean.toString(a[i]);
                case String[] a -> GgufFormatException.quote(a[i]);
                case Object[] a -> a[i].toString();
                default -> Long.toString(getLong(i));
            };
        }

        private IllegalStateException notOf(String kind) {
            return new IllegalStateException(typeName() + " is not an array of " + kind);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ArrayValue<?> a && a.elementType == elementType && Objects.deepEquals(a.values, values);
        }

        @Override
        public int hashCode() {
            return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values});
        }

        /** E.g. {@code ARRAY of INT32[3]{1, 2, 3}}, at most 8 elements shown. */
        @Override
        public String toString() {
            StringJoiner j = new StringJoiner(", ", typeName() + "[" + size() + "]{", "}");
            int shown = Math.min(size(), 8);
            for (int i = 0; i < shown; i++) {
                j.add(format(i));
            }
            if (shown < size()) {
                j.add("...");
            }
            return j.toString();
        }
    }
}
