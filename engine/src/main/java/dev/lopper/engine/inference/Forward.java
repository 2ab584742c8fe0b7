package dev.lopper.engine.inference;

import dev.lopper.engine.model.BlockWeights;
import dev.lopper.engine.model.LayerConfig;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.engine.model.LlamaWeights;
import dev.lopper.engine.model.ModelConfig;
import dev.lopper.quant.MatVec;
import dev.lopper.quant.ThreadPool;

/**
 * The LLaMA decoder, one token at a time: embedding, then for every block present
 * {@code x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x))} and {@code x += Wdown·(silu(Wgate·n(x)) ⊙ Wup·n(x))},
 * then the final norm and the classifier. Each block uses its own head counts and ffn size.
 * All buffers are allocated once here; {@link #forward} allocates nothing.
 */
public final class Forward {
    private final ModelConfig config;
    private final LlamaWeights weights;
    private final ThreadPool pool;
    private final KvCache cache;
    private final RopeTable rope;
    private final Attention attention;

    private final float[] x;       // residual stream
    private final float[] xb;      // normed input of a sublayer
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] attnOut;
    private final float[] delta;   // output of a sublayer before it joins the residual
    private final float[] gate;
    private final float[] up;
    private final float[] logits;

    public Forward(LlamaModel model, int contextLength, ThreadPool pool) {
        this.config = model.config();
        this.weights = model.weights();
        this.pool = pool;
        this.cache = new KvCache(config.layers(), contextLength);
        this.rope = new RopeTable(contextLength, config.ropeDim(), config.ropeBase(), config.ropeScale());
        this.attention = new Attention(config.maxHeads(), contextLength);
        int dim = config.dim();
        x = new float[dim];
        xb = new float[dim];
        q = new float[config.maxQueryDim()];
        k = new float[config.maxKvDim()];
        v = new float[config.maxKvDim()];
        attnOut = new float[config.maxAttentionOutDim()];
        delta = new float[dim];
        gate = new float[config.maxFfn()];
        up = new float[config.maxFfn()];
        logits = new float[config.vocabSize()];
    }

    public int contextLength() {
        return cache.capacity();
    }

    /**
     * Runs {@code token} at position {@code pos} (all positions before it must have been run) and returns the
     * logits, a buffer reused by the next call.
     */
    public float[] forward(int token, int pos) {
        if (pos < 0 || pos >= cache.capacity()) {
            throw new IllegalArgumentException("position " + pos + " is outside the context of " + cache.capacity());
        }
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabSize());
        }
        weights.tokenEmbedding().row(token, x, 0);
        for (int i = 0; i < weights.blocks().size(); i++) {
            BlockWeights b = weights.blocks().get(i);
            LayerConfig l = b.config();

            RmsNorm.apply(x, b.attnNorm(), config.rmsEps(), xb);
            MatVec.multiply(b.wq(), xb, q, pool);
            MatVec.multiply(b.wk(), xb, k, pool);
            MatVec.multiply(b.wv(), xb, v, pool);
            rope.apply(q, 0, l.heads(), l.headDim(), pos);
            rope.apply(k, 0, l.kvHeads(), l.headDim(), pos);
            System.arraycopy(k, 0, cache.keys(i), cache.keyOffset(i, pos), l.kvDim());
            System.arraycopy(v, 0, cache.values(i), cache.valueOffset(i, pos), l.kvValueDim());
            attention.attend(l, q, cache.keys(i), cache.values(i), pos + 1, attnOut, pool);
            MatVec.multiply(b.wo(), attnOut, delta, pool);
            add(x, delta);

            RmsNorm.apply(x, b.ffnNorm(), config.rmsEps(), xb);
            MatVec.multiply(b.wGate(), xb, gate, pool);
            MatVec.multiply(b.wUp(), xb, up, pool);
            SwiGlu.apply(gate, up, l.ffn());
            MatVec.multiply(b.wDown(), gate, delta, pool);
            add(x, delta);
        }
        RmsNorm.apply(x, weights.outputNorm(), config.rmsEps(), x);
        MatVec.multiply(weights.output(), x, logits, pool);
        return logits;
    }

    private static void add(float[] acc, float[] d) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += d[i];
        }
    }
}
