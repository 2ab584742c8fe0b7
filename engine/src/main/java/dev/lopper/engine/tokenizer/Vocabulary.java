package dev.lopper.engine.tokenizer;

import dev.lopper.gguf.GgufMetadata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tokenizer vocabulary as GGUF stores it in the {@code tokenizer.ggml.*} keys: the pieces with their scores and
 * types, the BPE merges, the special token ids and the flags that steer encoding. Special ids are {@link #NONE} when
 * the vocabulary has no such token.
 *
 * @param model           {@code tokenizer.ggml.model}: {@code llama} (SentencePiece) or {@code gpt2} (byte-level BPE)
 * @param pre             {@code tokenizer.ggml.pre}, {@code default} when absent
 * @param pieces          the token texts by id (an empty text becomes {@code [EMPTY_<id>]}, as in llama.cpp)
 * @param scores          SentencePiece merge scores by id (all 0 for BPE vocabularies without scores)
 * @param types           token types by id
 * @param merges          BPE merges in rank order ({@code "left right"}); empty for SentencePiece
 * @param endOfGeneration ids that end generation: eos, eot, eom and tokens named like {@code <|eot_id|>}
 * @param addBos          add BOS when encoding with special tokens
 * @param addEos          add EOS when encoding with special tokens
 * @param addSpacePrefix  SentencePiece: a space is prepended to text at the start or after a special token, and
 *                        decoding drops the leading space of the first piece
 */
public record Vocabulary(
        String model,
        String pre,
        List<String> pieces,
        float[] scores,
        List<TokenType> types,
        List<String> merges,
        int bos,
        int eos,
        int unk,
        int pad,
        int eot,
        int eom,
        Set<Integer> endOfGeneration,
        boolean addBos,
        boolean addEos,
        boolean addSpacePrefix) {

    /** The id of an absent special token. */
    public static final int NONE = -1;

    public static final String MODEL_SENTENCE_PIECE = "llama";
    public static final String MODEL_BPE = "gpt2";

    public static final String KEY_MODEL = "tokenizer.ggml.model";
    public static final String KEY_PRE = "tokenizer.ggml.pre";
    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_SCORES = "tokenizer.ggml.scores";
    public static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String KEY_MERGES = "tokenizer.ggml.merges";
    public static final String KEY_BOS = "tokenizer.ggml.bos_token_id";
    public static final String KEY_EOS = "tokenizer.ggml.eos_token_id";
    public static final String KEY_UNK = "tokenizer.ggml.unknown_token_id";
    public static final String KEY_PAD = "tokenizer.ggml.padding_token_id";
    public static final String KEY_EOT = "tokenizer.ggml.eot_token_id";
    public static final String KEY_EOM = "tokenizer.ggml.eom_token_id";
    public static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String KEY_ADD_EOS = "tokenizer.ggml.add_eos_token";
    public static final String KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    /** Texts llama.cpp takes for the end-of-turn token when no eot id is given, in the order tried here. */
    private static final List<String> EOT_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>");
    /** Texts llama.cpp treats as end of generation whatever the metadata says. */
    private static final List<String> EOG_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>");

    public Vocabulary {
        pieces = List.copyOf(pieces);
        types = List.copyOf(types);
        merges = List.copyOf(merges);
        scores = scores.clone();
        endOfGeneration = Set.copyOf(endOfGeneration);
        int n = pieces.size();
        if (scores.length != n) {
            throw new IllegalArgumentException(KEY_SCORES + " has " + scores.length + " entries but "
                    + KEY_TOKENS + " has " + n);
        }
        if (types.size() != n) {
            throw new IllegalArgumentException(KEY_TOKEN_TYPE + " has " + types.size() + " entries but "
                    + KEY_TOKENS + " has " + n);
        }
        checkId("bos", bos, n);
        checkId("eos", eos, n);
        checkId("unk", unk, n);
        checkId("pad", pad, n);
        checkId("eot", eot, n);
        checkId("eom", eom, n);
        for (int id : endOfGeneration) {
            checkId("end-of-generation", id, n);
        }
    }

    /**
     * Reads the vocabulary from GGUF metadata with llama.cpp's defaults: for {@code llama} BOS 1, EOS 2, UNK 0,
     * add_bos true, add_space_prefix true; for {@code gpt2} BOS = EOS = 11, no UNK, add_bos only for the Llama-3
     * pre-tokenizers, no space prefix. Special ids outside the vocabulary are ignored (the default stays).
     * {@code tokenizer.ggml.token_type} may be absent (every token is then normal).
     *
     * @throws IllegalArgumentException naming the key when the model is not supported, when tokens (or scores for
     *                                  {@code llama}, merges for {@code gpt2}) are missing, or when the per-token
     *                                  arrays differ in length
     */
    public static Vocabulary fromGguf(GgufMetadata md) {
        if (!md.has(KEY_MODEL)) {
            throw new IllegalArgumentException("missing " + KEY_MODEL);
        }
        String model = md.getString(KEY_MODEL);
        boolean spm = MODEL_SENTENCE_PIECE.equals(model);
        if (!spm && !MODEL_BPE.equals(model)) {
            throw new IllegalArgumentException("unsupported " + KEY_MODEL + " '" + model + "' (supported: "
                    + MODEL_SENTENCE_PIECE + ", " + MODEL_BPE + ")");
        }
        String pre = md.getString(KEY_PRE, "default");
        if (pre == null || pre.isEmpty()) {
            pre = "default";
        }

        String[] tokens = requireStrings(md, KEY_TOKENS);
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException(KEY_TOKENS + " is empty");
        }
        float[] scores;
        if (md.has(KEY_SCORES)) {
            scores = md.getFloatArray(KEY_SCORES);
            requireLength(KEY_SCORES, scores.length, n);
        } else if (spm) {
            throw new IllegalArgumentException("missing " + KEY_SCORES + " (required by " + KEY_MODEL + " = "
                    + model + ")");
        } else {
            scores = new float[n];
        }
        TokenType[] types = new TokenType[n];
        if (md.has(KEY_TOKEN_TYPE)) {
            int[] codes = md.getIntArray(KEY_TOKEN_TYPE);
            requireLength(KEY_TOKEN_TYPE, codes.length, n);
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.fromCode(codes[i]);
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        List<String> merges = spm ? List.of() : List.of(requireStrings(md, KEY_MERGES));

        List<String> pieces = new ArrayList<>(n);
        Map<String, Integer> idOf = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String piece = tokens[i] == null || tokens[i].isEmpty() ? "[EMPTY_" + i + "]" : tokens[i];
            pieces.add(piece);
            idOf.put(piece, i); // a repeated text maps to its last id, as in llama.cpp
        }

        int bos = specialId(md, KEY_BOS, spm ? 1 : 11, n);
        int eos = specialId(md, KEY_EOS, spm ? 2 : 11, n);
        int unk = specialId(md, KEY_UNK, spm ? 0 : NONE, n);
        int pad = specialId(md, KEY_PAD, NONE, n);
        int eot = specialId(md, KEY_EOT, NONE, n);
        int eom = specialId(md, KEY_EOM, NONE, n);
        if (eot == NONE) {
            eot = firstPresent(idOf, EOT_TEXTS, types);
        }
        if (eom == NONE) {
            eom = firstPresent(idOf, List.of("<|eom_id|>"), types);
        }
        Set<Integer> eog = new TreeSet<>();
        for (String text : EOG_TEXTS) {
            Integer id = idOf.get(text);
            if (id != null) {
                eog.add(id);
                types[id] = TokenType.CONTROL; // llama.cpp overrides the type of these
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id != NONE) {
                eog.add(id);
            }
        }

        PreTokenizer preTokenizer = spm ? null : PreTokenizer.lookup(pre);
        boolean addBosDefault = spm || (preTokenizer != null && preTokenizer.addBos());
        boolean addBos = md.getBool(KEY_ADD_BOS, addBosDefault);
        boolean addEos = md.getBool(KEY_ADD_EOS, false);
        boolean addSpacePrefix = md.getBool(KEY_ADD_SPACE_PREFIX, spm);

        return new Vocabulary(model, pre, pieces, scores, Arrays.asList(types), merges,
                bos, eos, unk, pad, eot, eom, eog, addBos, addEos, addSpacePrefix);
    }

    /** Number of tokens. */
    public int size() {
        return pieces.size();
    }

    public String piece(int id) {
        return pieces.get(id);
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types.get(id);
    }

    /** A copy of the scores. */
    @Override
    public float[] scores() {
        return scores.clone();
    }

    public boolean isSentencePiece() {
        return MODEL_SENTENCE_PIECE.equals(model);
    }

    @Override
    public String toString() {
        return "Vocabulary[model=" + model + ", pre=" + pre + ", size=" + size() + ", merges=" + merges.size()
                + ", bos=" + bos + ", eos=" + eos + ", unk=" + unk + ", pad=" + pad + ", eot=" + eot + ", eom=" + eom
                + ", eog=" + endOfGeneration + ", addBos=" + addBos + ", addEos=" + addEos
                + ", addSpacePrefix=" + addSpacePrefix + "]";
    }

    private static String[] requireStrings(GgufMetadata md, String key) {
        if (!md.has(key)) {
            throw new IllegalArgumentException("missing " + key);
        }
        return md.getStringArray(key);
    }

    private static void requireLength(String key, int length, int n) {
        if (length != n) {
            throw new IllegalArgumentException(key + " has " + length + " entries but " + KEY_TOKENS + " has " + n);
        }
    }

    /** The id under {@code key}, or {@code dflt} when absent or outside the vocabulary (llama.cpp keeps the default). */
    private static int specialId(GgufMetadata md, String key, int dflt, int n) {
        int fallback = dflt >= 0 && dflt < n ? dflt : NONE;
        if (!md.has(key)) {
            return fallback;
        }
        long id;
        try {
            id = md.getLong(key, fallback);
        } catch (IllegalArgumentException e) { // a UINT64 beyond long: outside the vocabulary anyway
            return fallback;
        }
        return id >= 0 && id < n ? (int) id : fallback;
    }

    private static int firstPresent(Map<String, Integer> idOf, List<String> texts, TokenType[] types) {
        for (String text : texts) {
            Integer id = idOf.get(text);
            if (id != null) {
                types[id] = TokenType.CONTROL;
                return id;
            }
        }
        return NONE;
    }

    private static void checkId(String what, int id, int n) {
        if (id != NONE && (id < 0 || id >= n)) {
            throw new IllegalArgumentException(what + " id " + id + " is outside the vocabulary of " + n);
        }
    }
}
