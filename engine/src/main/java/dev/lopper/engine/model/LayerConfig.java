package dev.lopper.engine.model;

/**
 * The shape of one transformer block as its tensors define it. Pruned models vary these per layer.
 *
 * @param block    the block's number in the file ({@code blk.N}); numbering may have gaps
 * @param heads    query heads
 * @param kvHeads  key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim  key (and query) dimension per head
 * @param valueDim value dimension per head
 * @param ffn      feed-forward hidden size
 */
public record LayerConfig(int block, int heads, int kvHeads, int headDim, int valueDim, int ffn) {
    public LayerConfig {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("block " + block + ": " + heads + " heads cannot be grouped over "
                    + kvHeads + " kv heads");
        }
    }

    /** Query heads sharing one kv head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int kvValueDim() {
        return kvHeads * valueDim;
    }

    public int attentionOutDim() {
        return heads * valueDim;
    }
}
