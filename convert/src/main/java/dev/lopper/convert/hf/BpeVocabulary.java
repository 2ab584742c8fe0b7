package dev.lopper.convert.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.FormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE {@code tokenizer.json} (Hugging Face tokenizers: {@code model.type} BPE, {@code model.vocab}
 * text → id, {@code model.merges}, {@code added_tokens}) as GGUF's gpt2 vocabulary.
 *
 * @param tokens      token texts by id, {@code [PAD<id>]} where no token has the id
 * @param types       llama.cpp token types (NORMAL, CONTROL, USER_DEFINED, UNUSED)
 * @param merges      merges as {@code "left right"} (a space inside a part written as U+0120, as gguf-py does)
 * @param pre         {@code tokenizer.ggml.pre}, see {@link #detectPre}
 * @param addedTokens the {@code added_tokens} entries
 */
record BpeVocabulary(String[] tokens, int[] types, String[] merges, String pre, List<Added> addedTokens) {

    /** An entry of {@code added_tokens}. */
    record Added(int id, String content, boolean special) {
    }

    /**
     * The Llama 3 pre-tokenizer's split pattern (Meta-Llama-3's tokenizer.json), which llama.cpp calls
     * {@code llama-bpe}.
     */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static BpeVocabulary read(Path file, int nVocab, List<String> notes) throws IOException {
        String name = file.getFileName().toString();
        JsonNode root = JsonFiles.read(file);
        JsonNode model = root.path("model");
        if (!"BPE".equals(HfConfig.text(model, "type"))) {
            throw new CheckpointFormatException(name, "model.type is " + model.path("type")
                    + "; only BPE tokenizers are converted from tokenizer.json (SentencePiece needs tokenizer.model)");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new CheckpointFormatException(name, "model.vocab is missing or empty");
        }
        String[] tokens = new String[nVocab];
        int[] types = new int[nVocab];
        Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = id(name, "model.vocab " + FormatException.quote(e.getKey()), e.getValue(), nVocab);
            tokens[id] = e.getKey();
            types[id] = Vocabulary.NORMAL;
        }
        List<Added> added = new ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            String content = HfConfig.text(a, "content");
            if (content == null) {
                throw new CheckpointFormatException(name, "added_tokens entry without content");
            }
            int id = id(name, "added_tokens " + FormatException.quote(content), a.get("id"), nVocab);
            boolean special = a.path("special").asBoolean(false);
            added.add(new Added(id, content, special));
            if (special || Vocabulary.looksSpecial(content)) {
                types[id] = Vocabulary.CONTROL;
            } else {
                content = content.replace("\u2581", " ");
                types[id] = Vocabulary.USER_DEFINED;
            }
            tokens[id] = content;
        }
        int padded = 0;
        for (int i = 0; i < nVocab; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = Vocabulary.UNUSED;
                padded++;
            }
        }
        if (padded > 0) {
            notes.add("vocabulary padded with " + padded + " [PAD<id>] tokens up to the model's " + nVocab);
        }
        JsonNode m = model.path("merges");
        String[] merges = new String[m.size()];
        for (int i = 0; i < merges.length; i++) {
            JsonNode x = m.get(i);
            if (x.isTextual()) {
                merges[i] = x.asText();
            } else if (x.isArray() && x.size() == 2 && x.get(0).isTextual() && x.get(1).isTextual()) {
                merges[i] = x.get(0).asText().replace(' ', '\u0120') + " " + x.get(1).asText().replace(' ', '\u0120');
            } else {
                throw new CheckpointFormatException(name, "model.merges[" + i + "] is neither \"a b\" nor [a, b]");
            }
        }
        String pre = detectPre(root.path("pre_tokenizer"));
        if (pre.equals("default")) {
            notes.add("tokenizer.json: pre-tokenizer not recognized as Llama 3's or GPT-2's; tokenizer.ggml.pre = default");
        }
        return new BpeVocabulary(tokens, types, merges, pre, List.copyOf(added));
    }

    /**
     * llama.cpp's converter names the pre-tokenizer by hashing the token ids the Hugging Face tokenizer gives for a
     * check text, which needs the tokenizer itself running. This converter recognizes the pre-tokenizer's
     * configuration in tokenizer.json instead:
     * <ul>
     *   <li>a {@code Split} on {@link #LLAMA3_PATTERN} (alone or in a {@code Sequence} before a {@code ByteLevel}
     *   with {@code use_regex} false) → {@code llama-bpe} (Llama 3, 3.1, 3.2);</li>
     *   <li>a lone {@code ByteLevel} with its built-in GPT-2 regex → {@code gpt-2};</li>
     *   <li>anything else → {@code default} (llama.cpp's GPT-2-like fallback), noted in the report.</li>
     * </ul>
     */
    static String detectPre(JsonNode pre) {
        String type = HfConfig.text(pre, "type");
        if ("ByteLevel".equals(type) && pre.path("use_regex").asBoolean(true)) {
            return "gpt-2";
        }
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(type)) {
            pre.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(pre);
        }
        for (JsonNode s : steps) {
            if ("Split".equals(HfConfig.text(s, "type")) && LLAMA3_PATTERN.equals(HfConfig.text(s.path("pattern"), "Regex"))) {
                return "llama-bpe";
            }
        }
        return "default";
    }

    private static int id(String file, String what, JsonNode v, int nVocab) throws CheckpointFormatException {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= nVocab) {
            throw new CheckpointFormatException(file, what + ": id " + v + " is outside the model's vocabulary (0.."
                    + (nVocab - 1) + ")");
        }
        return v.asInt();
    }
}
