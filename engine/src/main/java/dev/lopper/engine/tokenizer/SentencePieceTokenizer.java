package dev.lopper.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece (BPE with scores and byte fallback) as llama.cpp's {@code llm_tokenizer_spm}: text gets a leading
 * space (with add_space_prefix), spaces become {@code ▁}, the text is split into characters, then the adjacent pair
 * whose concatenation is the highest-scoring token is merged, repeatedly (ties: leftmost). A character that is no
 * token is emitted as its UTF-8 bytes' {@code <0xNN>} tokens.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private final Vocabulary vocab;
    private final VocabIndex index;
    /** The token of each byte value: {@code <0xNN>}, else the one-character token, else unk, else -1. */
    private final int[] byteTokens = new int[256];

    public SentencePieceTokenizer(Vocabulary vocab) {
        if (!vocab.isSentencePiece()) {
            throw new IllegalArgumentException("not a SentencePiece vocabulary: " + Vocabulary.KEY_MODEL + " = "
                    + vocab.model());
        }
        this.vocab = vocab;
        this.index = new VocabIndex(vocab);
        for (int b = 0; b < 256; b++) {
            int id = index.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = index.id(String.valueOf((char) b));
            }
            byteTokens[b] = id >= 0 ? id : vocab.unk();
        }
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 2 + 4);
        if (addSpecial && vocab.addBos()) {
            out.add(requireSpecial(vocab.bos(), "bos"));
        }
        boolean afterSpecial = true; // the start counts as after a special token
        for (VocabIndex.Fragment fragment : index.partition(text, parseSpecial)) {
            switch (fragment) {
                case VocabIndex.Fragment.Text(int start, int end) -> {
                    String raw = text.substring(start, end);
                    String prefixed = vocab.addSpacePrefix() && afterSpecial ? " " + raw : raw;
                    tokenize(prefixed.replace(' ', '\u2581'), out);
                    afterSpecial = false;
                }
                case VocabIndex.Fragment.Special(int id) -> {
                    out.add(id);
                    afterSpecial = true;
                }
            }
        }
        if (addSpecial && vocab.addEos()) {
            out.add(requireSpecial(vocab.eos(), "eos"));
        }
        return out.toArray();
    }

    @Override
    public byte[] pieceBytes(int id, boolean renderSpecial) {
        return VocabIndex.copy(index.render(id, renderSpecial));
    }

    @Override
    public String decode(int[] ids, boolean renderSpecial) {
        return index.decode(ids, renderSpecial, false);
    }

    /** Two adjacent symbols whose concatenation is a token with this score; {@code size} detects stale entries. */
    private record Bigram(int left, int right, float score, int size) {
    }

    /** Highest score first, then leftmost (llama.cpp's {@code llm_bigram_spm::comparator}). */
    private static int compare(Bigram a, Bigram b) {
        if (a.score != b.score) {
            return a.score > b.score ? -1 : 1;
        }
        return Integer.compare(a.left, b.left);
    }

    /** llama.cpp's {@code llm_tokenizer_spm_session::tokenize} on whitespace-escaped text. */
    private void tokenize(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        // symbols: [start, start + len) chars of text, linked as a list; len 0 = merged away
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            int cpLen = Character.charCount(text.codePointAt(offset));
            start[i] = offset;
            len[i] = cpLen;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            offset += cpLen;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), SentencePieceTokenizer::compare);
        for (int i = 1; i < n; i++) {
            addBigram(text, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.size()) {
                continue; // one side already merged elsewhere
            }
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            addBigram(text, start, len, prev[left], left, queue);
            addBigram(text, start, len, left, next[left], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = index.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteToken = byteTokens[b & 0xFF];
                    if (byteToken < 0) {
                        throw new IllegalStateException("vocabulary has no token for byte 0x"
                                + Integer.toHexString(b & 0xFF) + " and no unknown token");
                    }
                    out.add(byteToken);
                }
            }
        }
    }

    private void addBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = len[left] + len[right];
        int id = index.id(text.substring(start[left], start[left] + size));
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocab.score(id), size));
        }
    }

    static int requireSpecial(int id, String what) {
        if (id == Vocabulary.NONE) {
            throw new IllegalStateException("the vocabulary asks for " + what + " but has no " + what + " token");
        }
        return id;
    }
}
