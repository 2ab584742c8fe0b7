package dev.lopper.prune;

import dev.lopper.gguf.MetadataValue;
import dev.lopper.gguf.MetadataValue.ArrayValue;

import java.util.ArrayList;
import java.util.List;

/** Shortens a per-layer metadata array to the elements of some layers, keeping its element type. */
final class PerLayerArrays {
    private PerLayerArrays() {
    }

    /** The elements at {@code indices}, in that order, as an array of the same type as {@code a}. */
    static ArrayValue select(ArrayValue a, List<Integer> indices) {
        int n = indices.size();
        return switch (a) {
            case MetadataValue.ByteArray x -> {
                byte[] v = x.values();
                byte[] o = new byte[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.ByteArray(x.elementType(), o);
            }
            case MetadataValue.ShortArray x -> {
                short[] v = x.values();
                short[] o = new short[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.ShortArray(x.elementType(), o);
            }
            case MetadataValue.IntArray x -> {
                int[] v = x.values();
                int[] o = new int[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.IntArray(x.elementType(), o);
            }
            case MetadataValue.LongArray x -> {
                long[] v = x.values();
                long[] o = new long[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.LongArray(x.elementType(), o);
            }
            case MetadataValue.Float32Array x -> {
                float[] v = x.values();
                float[] o = new float[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.Float32Array(o);
            }
            case MetadataValue.Float64Array x -> {
                double[] v = x.values();
                double[] o = new double[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.Float64Array(o);
            }
            case MetadataValue.BoolArray x -> {
                boolean[] v = x.values();
                boolean[] o = new boolean[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.BoolArray(o);
            }
            case MetadataValue.StringArray x -> {
                String[] v = x.values();
                String[] o = new String[n];
                for (int i = 0; i < n; i++) {
                    o[i] = v[indices.get(i)];
                }
                yield new MetadataValue.StringArray(o);
            }
            case MetadataValue.NestedArray x -> {
                List<ArrayValue> o = new ArrayList<>(n);
                for (int i : indices) {
                    o.add(x.get(i));
                }
                yield new MetadataValue.NestedArray(o);
            }
        };
    }
}
