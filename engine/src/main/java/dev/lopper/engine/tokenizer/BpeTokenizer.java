package dev.lopper.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE (GPT-2, Llama 3) as llama.cpp's {@code llm_tokenizer_bpe}: the pre-tokenizer named by
 * {@code tokenizer.ggml.pre} cuts the text into words, each word's UTF-8 bytes are spelled with the GPT-2 byte
 * table, then the adjacent pair with the lowest merge rank is merged, repeatedly (ties: leftmost).
 */
public final class BpeTokenizer implements Tokenizer {
    private final Vocabulary vocab;
    private final VocabIndex index;
    private final PreTokenizer preTokenizer;
    /** Merge rank by {@code left + '\0' + right}. */
    private final Map<String, Integer> ranks;

    public BpeTokenizer(Vocabulary vocab) {
        if (!Vocabulary.MODEL_BPE.equals(vocab.model())) {
            throw new IllegalArgumentException("not a byte-level BPE vocabulary: " + Vocabulary.KEY_MODEL + " = "
                    + vocab.model());
        }
        this.vocab = vocab;
        this.index = new VocabIndex(vocab);
        this.preTokenizer = PreTokenizer.forName(vocab.pre());
        List<String> merges = vocab.merges();
        ranks = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            if (space > 0) {
                ranks.putIfAbsent(merge.substring(0, space) + '\0' + merge.substring(space + 1), rank);
            }
        }
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    /** The {@code tokenizer.ggml.pre} value whose rules this tokenizer follows ({@code default} for unknown ones). */
    public String preTokenizerName() {
        return PreTokenizer.lookup(preTokenizer.name()) != null ? preTokenizer.name() : "default";
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos()) {
            out.add(SentencePieceTokenizer.requireSpecial(vocab.bos(), "bos"));
        }
        for (VocabIndex.Fragment fragment : index.partition(text, parseSpecial)) {
            switch (fragment) {
                case VocabIndex.Fragment.Text(int start, int end) -> {
                    for (String word : preTokenizer.split(text.substring(start, end))) {
                        tokenizeWord(ByteUnicode.encode(word.getBytes(StandardCharsets.UTF_8)), out);
                    }
                }
                case VocabIndex.Fragment.Special(int id) -> out.add(id);
            }
        }
        if (addSpecial && vocab.addEos()) {
            out.add(SentencePieceTokenizer.requireSpecial(vocab.eos(), "eos"));
        }
        return out.toArray();
    }

    @Override
    public byte[] pieceBytes(int id, boolean renderSpecial) {
        return VocabIndex.copy(index.render(id, renderSpecial));
    }

    @Override
    public String decode(int[] ids, boolean renderSpecial) {
        return index.decode(ids, renderSpecial, preTokenizer.cleanSpaces());
    }

    /** Two adjacent symbols and the rank of their merge; {@code size} (their total length) detects stale entries. */
    private record Bigram(int left, int right, int size, int rank) {
    }

    /** Lowest rank first, then leftmost (llama.cpp's {@code llm_bigram_bpe::comparator}). */
    private static int compare(Bigram a, Bigram b) {
        int c = Integer.compare(a.rank, b.rank);
        return c != 0 ? c : Integer.compare(a.left, b.left);
    }

    /** Merges one byte-encoded word (every character is one byte) and appends its tokens. */
    private void tokenizeWord(String word, IntList out) {
        int n = word.length();
        if (n == 0) {
            return;
        }
        if (preTokenizer.ignoreMerges()) {
            int whole = index.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(n, BpeTokenizer::compare);
        for (int i = 1; i < n; i++) {
            addBigram(word, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // symbols only grow, so an unchanged total length means both sides are as when queued
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.size()) {
                continue; // outdated
            }
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            addBigram(word, len, prev[left], left, queue);
            addBigram(word, len, left, next[left], queue);
        }
        for (int i = 0; i < n; i += len[i]) {
            String piece = word.substring(i, i + len[i]);
            int id = index.id(piece);
            if (id >= 0) {
                out.add(id);
            } else { // as llama.cpp: single-byte texts that are tokens, the rest dropped
                for (int k = 0; k < piece.length(); k++) {
                    char c = piece.charAt(k);
                    int single = c < 0x80 ? index.id(String.valueOf(c)) : -1;
                    if (single >= 0) {
                        out.add(single);
                    }
                }
            }
        }
    }

    private void addBigram(String word, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        String l = word.substring(left, left + len[left]);
        String r = word.substring(right, right + len[right]);
        Integer rank = ranks.get(l + '\0' + r);
        if (rank != null) {
            queue.add(new Bigram(left, right, l.length() + r.length(), rank));
        }
    }
}
