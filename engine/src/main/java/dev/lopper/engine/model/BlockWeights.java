package dev.lopper.engine.model;

import dev.lopper.quant.WeightMatrix;

/** The tensors of one transformer block ({@code blk.N.*}), read in place from the mapped file (norms excepted). */
public record BlockWeights(
        LayerConfig config,
        float[] attnNorm,
        WeightMatrix wq,
        WeightMatrix wk,
        WeightMatrix wv,
        WeightMatrix wo,
        float[] ffnNorm,
        WeightMatrix wGate,
        WeightMatrix wUp,
        WeightMatrix wDown) {
}
