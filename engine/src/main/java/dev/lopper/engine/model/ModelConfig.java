package dev.lopper.engine.model;

import java.util.List;

/**
 * Model-wide hyperparameters plus one {@link LayerConfig} per block present in the file.
 *
 * @param name          {@code general.name}, or the file name
 * @param architecture  {@code general.architecture}
 * @param blockCount    {@code block_count}: the numbering space, present blocks included or not
 * @param layers        the blocks present, in order
 * @param missingBlocks block numbers below {@code blockCount} that have no tensors (pruned in place)
 * @param skippedBlocks blocks present in the file but left out at run time ({@code --skip-layers}), ascending
 * @param tiedOutput    true when there is no {@code output.weight} and the token embedding serves as classifier
 */
public record ModelConfig(
        String name,
        String architecture,
        int vocabSize,
        int dim,
        int contextLength,
        int blockCount,
        List<LayerConfig> layers,
        List<Integer> missingBlocks,
        List<Integer> skippedBlocks,
        float ropeBase,
        int ropeDim,
        float ropeScale,
        float rmsEps,
        boolean tiedOutput) {

    public ModelConfig {
        layers = List.copyOf(layers);
        missingBlocks = List.copyOf(missingBlocks);
        skippedBlocks = List.copyOf(skippedBlocks);
    }

    /** The file's numbers of the blocks that run, in order. */
    public List<Integer> runningBlocks() {
        return layers.stream().map(LayerConfig::block).toList();
    }

    /** The largest per-layer sizes, for sizing scratch buffers once. */
    public int maxQueryDim() {
        return layers.stream().mapToInt(LayerConfig::queryDim).max().orElse(0);
    }

    public int maxAttentionOutDim() {
        return layers.stream().mapToInt(LayerConfig::attentionOutDim).max().orElse(0);
    }

    public int maxKvDim() {
        return layers.stream().mapToInt(l -> Math.max(l.kvDim(), l.kvValueDim())).max().orElse(0);
    }

    public int maxFfn() {
        return layers.stream().mapToInt(LayerConfig::ffn).max().orElse(0);
    }

    public int maxHeads() {
        return layers.stream().mapToInt(LayerConfig::heads).max().orElse(0);
    }

    /** A one-line description of how this model differs from a plain dense LLaMA, or empty. */
    public String pruningNotice() {
        StringBuilder sb = new StringBuilder();
        if (!missingBlocks.isEmpty()) {
            sb.append(layers.size() + skippedBlocks.size()).append(" of ").append(blockCount)
                    .append(" blocks present; skipping missing blocks ").append(missingBlocks);
        }
        if (!skippedBlocks.isEmpty()) {
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append("leaving out blocks ").append(BlockRanges.of(skippedBlocks)).append(" (--skip-layers); running ")
                    .append(layers.size()).append(" blocks ").append(BlockRanges.of(runningBlocks()));
        }
        boolean hetero = layers.stream().map(l -> List.of(l.heads(), l.kvHeads(), l.ffn())).distinct().count() > 1;
        if (hetero) {
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append("per-layer shapes (heads/kv heads/ffn): ");
            for (int i = 0; i < layers.size(); i++) {
                LayerConfig l = layers.get(i);
                sb.append(i == 0 ? "" : ", ").append(l.heads()).append('/').append(l.kvHeads()).append('/').append(l.ffn());
            }
        }
        return sb.toString();
    }
}
