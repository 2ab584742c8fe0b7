package dev.lopper.engine.inference;

import dev.lopper.engine.model.BlockWeights;
import dev.lopper.engine.model.LayerConfig;
import dev.lopper.engine.model.LlamaModel;
import dev.lopper.engine.model.LlamaWeights;
import dev.lopper.engine.model.ModelConfig;
import dev.lopper.quant.Activations;
import dev.lopper.quant.MatMul;
import dev.lopper.quant.ThreadPool;
import dev.lopper.quant.WeightMatrix;


/**
 * The LLaMA decoder over a batch of consecutive tokens: embedding, then for every block present
 * {@code x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x))} and {@code x += Wdown·(silu(Wgate·n(x)) ⊙ Wup·n(x))},
 * then the final norm and the classifier. Each block uses its own head counts and ffn size. A batch of one is a
 * decode step (matrix × vector); a longer batch is prompt processing (matrix × matrix, each weight read once per
 * batch, causal attention within the batch). All buffers are allocated once here; a step allocates nothing.
 *
 * <p>A batch may also hold the tokens of several sequences ({@link #forward(TokenBatch, float[])}), each with its own
 * {@link KvCache} and positions: the weights are then read once for all of them, as a server decoding many
 * conversations needs. Such a forward pass owns no cache ({@link #shared}).
 */
public final class Forward {
    /** Tokens processed together during prompt processing. */
    public static final int MAX_BATCH = 64;

    private final ModelConfig config;
    private final LlamaWeights weights;
    private final KvCache cache;
    private final int contextLength;
    private final RopeTable rope;
    private final Attention attention;
    private final MatMul matmul;
    /** The input of the next multiplies, quantized once however many matrices read it. */
    private final Activations in;
    private final ThreadPool pool;

    // Activations, one row per token of the batch: [batch][width].
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
    private final int[] single = new int[1];
    /** The rows of the step in progress; {@link #own} holds them for the single-sequence calls. */
    private final TokenBatch own;
    private final int[] logitRows;
    // Per block: the matrices that read one input, multiplied as a group (see MatMul#multiply(WeightMatrix[], ..)).
    private final WeightMatrix[][] qkv;
    private final WeightMatrix[][] gateUp;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;

    public Forward(LlamaModel model, int contextLength, ThreadPool pool) {
        this(model, contextLength, pool, true);
    }

    /**
     * A forward pass without a cache of its own, for {@link #forward(TokenBatch, float[])} over sequences whose
     * caches ({@link #newCache()}) hold up to {@code contextLength} positions each.
     */
    public static Forward shared(LlamaModel model, int contextLength, ThreadPool pool) {
        return new Forward(model, contextLength, pool, false);
    }

    private Forward(LlamaModel model, int contextLength, ThreadPool pool, boolean ownCache) {
        this.config = model.config();
        this.weights = model.weights();
        this.pool = pool;
        this.cache = ownCache ? new KvCache(config.layers(), contextLength) : null;
        this.contextLength = contextLength;
        this.rope = new RopeTable(contextLength, config.ropeDim(), config.ropeBase(), config.ropeScale());
        this.attention = new Attention(pool.size(), contextLength);
        int dim = config.dim();
        int widest = Math.max(Math.max(dim, config.maxFfn()), config.maxAttentionOutDim());
        this.matmul = new MatMul(pool, widest);
        int b = ownCache ? Math.min(MAX_BATCH, contextLength) : MAX_BATCH;
        this.in = new Activations(widest, b);
        this.own = new TokenBatch(b);
        this.logitRows = new int[b];
        x = new float[b * dim];
        xb = new float[b * dim];
        q = new float[b * config.maxQueryDim()];
        k = new float[b * config.maxKvDim()];
        v = new float[b * config.maxKvDim()];
        attnOut = new float[b * config.maxAttentionOutDim()];
        delta = new float[b * dim];
        gate = new float[b * config.maxFfn()];
        up = new float[b * config.maxFfn()];
        logits = new float[config.vocabSize()];
        int blocks = weights.blocks().size();
        qkv = new WeightMatrix[blocks][];
        gateUp = new WeightMatrix[blocks][];
        for (int i = 0; i < blocks; i++) {
            BlockWeights w = weights.blocks().get(i);
            qkv[i] = new WeightMatrix[]{w.wq(), w.wk(), w.wv()};
            gateUp[i] = new WeightMatrix[]{w.wGate(), w.wUp()};
        }
        qkvOut = new float[][]{q, k, v};
        gateUpOut = new float[][]{gate, up};
    }

    public int contextLength() {
        return contextLength;
    }

    /** A cache for one sequence of {@link #forward(TokenBatch, float[])}. */
    public KvCache newCache() {
        return new KvCache(config.layers(), contextLength);
    }

    /** Runs one token at {@code pos} and returns its logits (a buffer reused by the next call). */
    public float[] forward(int token, int pos) {
        single[0] = token;
        return forward(single, 0, 1, pos, null);
    }

    /**
     * Runs {@code tokens[from .. from+n)} at positions {@code pos ..}; every earlier position must have been run.
     * Returns the logits after the last token (a reused buffer). When {@code allLogits} is not null, it receives
     * the logits after every token, {@code n × vocab}.
     */
    public float[] forward(int[] tokens, int from, int n, int pos, float[] allLogits) {
        if (cache == null) {
            throw new IllegalStateException("a shared forward pass has no cache: use forward(TokenBatch, ..)");
        }
        if (n < 1 || n > own.capacity()) {
            throw new IllegalArgumentException("batch of " + n + " tokens; 1.." + own.capacity() + " allowed");
        }
        own.clear();
        for (int b = 0; b < n; b++) {
            own.add(cache, tokens[from + b], pos + b, allLogits != null || b == n - 1);
        }
        if (allLogits != null) {
            run(own, allLogits);
            System.arraycopy(allLogits, (n - 1) * config.vocabSize(), logits, 0, config.vocabSize());
        } else {
            run(own, logits);
        }
        return logits;
    }

    /**
     * Runs the rows of {@code batch}, each in its own sequence's cache, and writes the logits of the rows that want
     * them to {@code logitsOut}, one {@code vocab}-long row each, in row order.
     */
    public void forward(TokenBatch batch, float[] logitsOut) {
        if (batch.size() < 1 || batch.size() > own.capacity()) {
            throw new IllegalArgumentException("batch of " + batch.size() + " tokens; 1.." + own.capacity()
                    + " allowed");
        }
        if (logitsOut.length < batch.logitRows() * config.vocabSize()) {
            throw new IllegalArgumentException("room for " + logitsOut.length / config.vocabSize()
                    + " logit rows, " + batch.logitRows() + " wanted");
        }
        run(batch, logitsOut);
    }

    private void run(TokenBatch batch, float[] logitsOut) {
        embed(batch);
        runBlocks(batch, 0, weights.blocks().size());
        classify(batch, logitsOut);
    }

    // The steps of a pass, public for evaluation that runs parts of the model on this pass's own cache
    // (dev.lopper.engine.eval): a block is left out by running the blocks before it once, keeping the hidden
    // state (saveHidden), and continuing from it (loadHidden) with the blocks after it. Block i's KV cache holds
    // what its last run wrote.

    /** The number of blocks that run (indices {@code 0 .. blockCount()-1} in file order, gaps left out). */
    public int blockCount() {
        return weights.blocks().size();
    }

    /**
     * Starts a step over {@code tokens[from .. from+n)} at positions {@code pos ..} of this pass's own cache: the
     * hidden state becomes their embeddings.
     */
    public void embed(int[] tokens, int from, int n, int pos) {
        if (cache == null) {
            throw new IllegalStateException("a shared forward pass has no cache: use forward(TokenBatch, ..)");
        }
        if (n < 1 || n > own.capacity()) {
            throw new IllegalArgumentException("batch of " + n + " tokens; 1.." + own.capacity() + " allowed");
        }
        own.clear();
        for (int b = 0; b < n; b++) {
            own.add(cache, tokens[from + b], pos + b, true);
        }
        embed(own);
    }

    /** Runs blocks {@code first .. end-1} on the hidden state of the step {@link #embed} started. */
    public void runBlocks(int first, int end) {
        runBlocks(own, first, end);
    }

    /** Copies the step's hidden state ({@code n × dim} floats) to {@code dst[offset ..]}. */
    public void saveHidden(float[] dst, int offset) {
        System.arraycopy(x, 0, dst, offset, own.size() * config.dim());
    }

    /** Replaces the step's hidden state with {@code src[offset ..]} ({@code n × dim} floats). */
    public void loadHidden(float[] src, int offset) {
        System.arraycopy(src, offset, x, 0, own.size() * config.dim());
    }

    /** The final norm and the classifier on the step's hidden state: every token's logits, {@code n × vocab}. */
    public void classify(float[] allLogits) {
        classify(own, allLogits);
    }

    private void embed(TokenBatch batch) {
        int n = batch.size();
        int dim = config.dim();
        for (int b = 0; b < n; b++) {
            int token = batch.token(b);
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of "
                        + config.vocabSize());
            }
            int pos = batch.position(b);
            if (pos < 0 || pos >= Math.min(contextLength, batch.cache(b).capacity())) {
                throw new IllegalArgumentException("position " + pos + " is outside the context of "
                        + Math.min(contextLength, batch.cache(b).capacity()));
            }
            weights.tokenEmbedding().row(token, x, b * dim);
        }
    }

    private void runBlocks(TokenBatch batch, int first, int end) {
        int n = batch.size();
        int dim = config.dim();
        for (int i = first; i < end; i++) {
            BlockWeights w = weights.blocks().get(i);
            LayerConfig l = w.config();

            RmsNorm.apply(x, w.attnNorm(), config.rmsEps(), xb, n);
            in.set(xb, dim, n);
            matmul.multiply(qkv[i], in, qkvOut);
            for (int b = 0; b < n; b++) {
                int pos = batch.position(b);
                KvCache c = batch.cache(b);
                rope.apply(q, b * l.queryDim(), l.heads(), l.headDim(), pos);
                rope.apply(k, b * l.kvDim(), l.kvHeads(), l.headDim(), pos);
                System.arraycopy(k, b * l.kvDim(), c.keys(i), c.keyOffset(i, pos), l.kvDim());
                System.arraycopy(v, b * l.kvValueDim(), c.values(i), c.valueOffset(i, pos), l.kvValueDim());
            }
            attention.attend(l, i, q, batch, attnOut, pool);
            matmul.multiply(w.wo(), in.set(attnOut, w.wo().cols(), n), delta);
            add(x, delta, n * dim);

            RmsNorm.apply(x, w.ffnNorm(), config.rmsEps(), xb, n);
            in.set(xb, dim, n);
            matmul.multiply(gateUp[i], in, gateUpOut);
            SwiGlu.apply(gate, up, n * l.ffn());
            matmul.multiply(w.wDown(), in.set(gate, w.wDown().cols(), n), delta);
            add(x, delta, n * dim);
        }
    }

    private void classify(TokenBatch batch, float[] logitsOut) {
        int n = batch.size();
        int dim = config.dim();
        // The classifier runs on the rows that want logits only, gathered in order.
        int rows = 0;
        for (int b = 0; b < n; b++) {
            if (batch.wantsLogits(b)) {
                logitRows[rows++] = b;
            }
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, logitRows[r] * dim, xb, r * dim, dim);
        }
        if (rows > 0) {
            RmsNorm.apply(xb, weights.outputNorm(), config.rmsEps(), xb, rows);
            matmul.multiply(weights.output(), in.set(xb, dim, rows), logitsOut);
        }
    }

    private static void add(float[] acc, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += d[i];
        }
    }
}
