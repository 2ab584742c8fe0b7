package dev.lopper.prune;

import dev.lopper.gguf.MetadataValue.ArrayValue;

import java.lang.reflect.Array;
import java.util.List;

/** Shortens a per-layer metadata array to the elements of some layers, keeping its element type. */
final class PerLayerArrays {
    private PerLayerArrays() {
    }

    /** The elements at {@code indices}, in that order, as an array of the same element type as {@code a}. */
    static ArrayValue<?> select(ArrayValue<?> a, List<Integer> indices) {
        Object all = a.values();
        Object some = Array.newInstance(all.getClass().getComponentType(), indices.size());
        for (int i = 0; i < indices.size(); i++) {
            System.arraycopy(all, indices.get(i), some, i, 1);
        }
        return new ArrayValue<>(a.elementType(), some);
    }
}
