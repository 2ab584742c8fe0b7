package dev.lopper.gguf;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TypeMixTest {
    @Test
    void describeOrdersTypesByBitsPerWeight() {
        Map<GgmlType, Integer> m = new EnumMap<>(GgmlType.class);
        m.put(GgmlType.F32, 49);
        m.put(GgmlType.Q6_K, 25);
        m.put(GgmlType.Q4_K, 169);
        m.put(GgmlType.Q5_0, 12);
        assertEquals("Q4_K:169 Q5_0:12 Q6_K:25 F32:49", TypeMix.describe(m));
        assertEquals(4.5, TypeMix.bitsPerWeight(GgmlType.Q4_0));
    }

    @Test
    void fileTypeNamesAsLlamaCpp() {
        assertEquals(Optional.of("Q4_K - Medium"), FileTypeName.of(15));
        assertEquals(Optional.of("all F32"), FileTypeName.of(0));
        assertEquals(Optional.of("Q3_K - Large"), FileTypeName.of(13));
        assertEquals(Optional.empty(), FileTypeName.of(4)); // Q4_1_SOME_F16, removed
        assertEquals(Optional.empty(), FileTypeName.of(-1));
    }
}
