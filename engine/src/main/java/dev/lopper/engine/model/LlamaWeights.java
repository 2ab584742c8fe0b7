package dev.lopper.engine.model;

import dev.lopper.quant.WeightMatrix;

import java.util.List;

/** All weights of a LLaMA-family decoder: only the blocks present in the file, each with its own shapes. */
public record LlamaWeights(WeightMatrix tokenEmbedding, List<BlockWeights> blocks, float[] outputNorm,
                           WeightMatrix output) {
    public LlamaWeights {
        blocks = List.copyOf(blocks);
    }
}
