package dev.lopper.engine.inference;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** SwiGLU: {@code gate[i] = silu(gate[i]) · up[i]}, with {@code silu(g) = g / (1 + e^-g)}. */
final class SwiGlu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private SwiGlu() {
    }

    static void apply(float[] gate, float[] up, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
