package dev.lopper.convert.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.sentencepiece.SentencePieceModel;
import dev.lopper.gguf.GgufMetadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A folder's tokenizer as GGUF's {@code tokenizer.ggml.*} keys, built the way llama.cpp's convert_hf_to_gguf.py
 * builds them ({@code _create_vocab_sentencepiece}, {@code get_vocab_base}, gguf-py's {@code SpecialVocab}):
 * <ul>
 *   <li>{@code tokenizer.model} (SentencePiece) → model {@code llama}, pre {@code default}: each piece's text and
 *   score; type UNKNOWN, CONTROL, UNUSED or BYTE as SentencePiece marks it, NORMAL otherwise (user-defined pieces
 *   too, as llama.cpp does); {@code added_tokens.json} entries become USER_DEFINED with score −1000;
 *   {@code tokenizer_config.json}'s {@code added_tokens_decoder} entries CONTROL (special, or looking special like
 *   {@code <|...|>}) or USER_DEFINED, score −1000.</li>
 *   <li>{@code tokenizer.json} (byte-level BPE) → model {@code gpt2} with tokens, token types (added special tokens
 *   CONTROL, other added tokens USER_DEFINED) and merges; the pre-tokenizer as {@link BpeVocabulary#detectPre} detects it.</li>
 *   <li>ids the tokenizer does not fill up to the model's vocabulary size become {@code [PAD<id>]}, UNUSED, score
 *   −10000 (SentencePiece) as llama.cpp pads.</li>
 *   <li>Special ids: from the tokenizer itself (the pieces named by {@code tokenizer_config.json}'s
 *   {@code bos_token} etc., or {@code special_tokens_map.json}'s, then SentencePiece's own bos/eos/unk/pad ids);
 *   {@code config.json}'s {@code *_token_id} (else {@code generation_config.json}'s) only where the tokenizer says
 *   nothing. Decapoda-style configs (bos 0, eos 1, pad −1) that disagree with the
 *   tokenizer are noted and ignored. {@code add_bos_token}, {@code add_eos_token}, {@code chat_template} and
 *   {@code add_prefix_space} come from {@code tokenizer_config.json}.</li>
 * </ul>
 */
public final class Vocabulary {
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private static final String[] SPECIALS = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};

    private Vocabulary() {
    }

    /**
     * Adds the tokenizer keys for a model with {@code nVocab} embedding rows.
     *
     * @param notes receives one line per thing the user should know (ignored config ids, padding)
     */
    public static void add(Path dir, int nVocab, HfConfig config, GgufMetadata.Builder md, List<String> notes)
            throws IOException {
        JsonNode tc = JsonFiles.readOptional(dir.resolve("tokenizer_config.json")).orElse(JsonFiles.missing());
        JsonNode stm = JsonFiles.readOptional(dir.resolve("special_tokens_map.json")).orElse(JsonFiles.missing());
        JsonNode gen = JsonFiles.readOptional(dir.resolve("generation_config.json")).orElse(JsonFiles.missing());
        Path spm = dir.resolve("tokenizer.model");
        Path tj = dir.resolve("tokenizer.json");
        String[] tokens;
        int[] types;
        Map<String, Integer> special = new LinkedHashMap<>();
        if (Files.isRegularFile(spm)) {
            SentencePieceModel m = SentencePieceModel.read(spm);
            int n = m.pieces().size();
            if (n > nVocab) {
                throw new CheckpointFormatException("tokenizer.model", "has " + n + " pieces but the model's embedding has "
                        + nVocab + " rows");
            }
            tokens = new String[nVocab];
            float[] scores = new float[nVocab];
            types = new int[nVocab];
            for (int i = 0; i < nVocab; i++) {
                tokens[i] = "[PAD" + i + "]";
                scores[i] = -10000f;
                types[i] = UNUSED;
            }
            for (int i = 0; i < n; i++) {
                SentencePieceModel.Piece p = m.pieces().get(i);
                tokens[i] = p.text();
                scores[i] = p.score();
                types[i] = switch (p.type()) {
                    case SentencePieceModel.UNKNOWN -> UNKNOWN;
                    case SentencePieceModel.CONTROL -> CONTROL;
                    case SentencePieceModel.UNUSED -> UNUSED;
                    case SentencePieceModel.BYTE -> BYTE;
                    default -> NORMAL;
                };
            }
            JsonNode added = JsonFiles.readOptional(dir.resolve("added_tokens.json")).orElse(JsonFiles.missing());
            Iterator<Map.Entry<String, JsonNode>> it = added.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt(-1);
                if (id < 0 || id >= nVocab) {
                    notes.add("added_tokens.json: token " + FormatException.quote(e.getKey()) + " id " + e.getValue()
                            + " is outside the vocabulary; ignored");
                    continue;
                }
                tokens[id] = e.getKey();
                scores[id] = -1000f;
                types[id] = USER_DEFINED;
            }
            JsonNode dec = tc.path("added_tokens_decoder");
            Iterator<Map.Entry<String, JsonNode>> dt = dec.fields();
            while (dt.hasNext()) {
                Map.Entry<String, JsonNode> e = dt.next();
                int id = parseId(e.getKey());
                String content = HfConfig.text(e.getValue(), "content");
                if (id < 0 || id >= nVocab || content == null) {
                    throw new CheckpointFormatException("tokenizer_config.json", "added_tokens_decoder entry "
                            + FormatException.quote(e.getKey()) + " is not an id with a content inside the vocabulary");
                }
                if (e.getValue().path("special").asBoolean(false) || looksSpecial(content)) {
                    types[id] = CONTROL;
                } else {
                    content = content.replace("\u2581", " ");
                    types[id] = USER_DEFINED;
                }
                scores[id] = -1000f;
                tokens[id] = content;
            }
            md.putString("tokenizer.ggml.model", "llama").putString("tokenizer.ggml.pre", "default")
                    .putStringArray("tokenizer.ggml.tokens", tokens)
                    .putFloat32Array("tokenizer.ggml.scores", scores)
                    .putInt32Array("tokenizer.ggml.token_type", types);
            Map<String, Integer> fromTc = idsFromTokenizerConfig(tc, stm, tokens, List.of());
            special.putAll(fromTc);
            special.putIfAbsent("bos", m.bosId());
            special.putIfAbsent("eos", m.eosId());
            special.putIfAbsent("unk", m.unkId());
            if (m.padId() >= 0) {
                special.putIfAbsent("pad", m.padId());
            }
            special.values().removeIf(v -> v == null || v < 0);
        } else if (Files.isRegularFile(tj)) {
            BpeVocabulary bpe = BpeVocabulary.read(tj, nVocab, notes);
            tokens = bpe.tokens();
            types = bpe.types();
            md.putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", bpe.pre())
                    .putStringArray("tokenizer.ggml.tokens", tokens)
                    .putInt32Array("tokenizer.ggml.token_type", types)
                    .putStringArray("tokenizer.ggml.merges", bpe.merges());
            special.putAll(idsFromTokenizerConfig(tc, stm, tokens, bpe.addedTokens()));
        } else {
            throw new CheckpointFormatException(String.valueOf(dir.getFileName()), "no tokenizer (tokenizer.model or "
                    + "tokenizer.json)");
        }
        for (String typ : SPECIALS) {
            Integer fromConfig = configId(config.root(), typ);
            String source = "config.json";
            if (fromConfig == null) {
                fromConfig = configId(gen, typ);
                source = "generation_config.json";
            }
            if (fromConfig == null) {
                continue;
            }
            int id = fromConfig;
            Integer ours = special.get(typ);
            if (ours == null) {
                if (id >= 0 && id < nVocab) {
                    special.put(typ, id);
                } else {
                    notes.add(source + " " + typ + "_token_id " + id + " is not a token id; ignored");
                }
            } else if (ours != id) {
                notes.add(source + " " + typ + "_token_id " + id + " disagrees with the tokenizer (" + ours + " "
                        + FormatException.quote(tokens[ours]) + "); the tokenizer's id is used");
            }
        }
        for (Map.Entry<String, Integer> e : special.entrySet()) {
            String key = switch (e.getKey()) {
                case "unk" -> "tokenizer.ggml.unknown_token_id";
                case "sep" -> "tokenizer.ggml.seperator_token_id"; // sic: llama.cpp's key
                case "pad" -> "tokenizer.ggml.padding_token_id";
                default -> "tokenizer.ggml." + e.getKey() + "_token_id";
            };
            md.putUint32(key, e.getValue());
        }
        for (String typ : new String[]{"bos", "eos"}) {
            JsonNode add = tc.get("add_" + typ + "_token");
            if (add != null && add.isBoolean()) {
                md.putBool("tokenizer.ggml.add_" + typ + "_token", add.asBoolean());
            }
        }
        JsonNode prefix = tc.get("add_prefix_space");
        if (prefix != null && prefix.isBoolean()) {
            md.putBool("tokenizer.ggml.add_space_prefix", prefix.asBoolean());
        }
        JsonNode tmpl = tc.get("chat_template");
        if (tmpl != null && tmpl.isTextual()) {
            md.putString("tokenizer.chat_template", tmpl.asText());
        } else if (tmpl != null && tmpl.isArray()) {
            for (JsonNode t : tmpl) {
                String name = HfConfig.text(t, "name");
                String body = HfConfig.text(t, "template");
                if (name != null && body != null) {
                    md.putString(name.equals("default") ? "tokenizer.chat_template"
                            : "tokenizer.chat_template." + name, body);
                }
            }
        }
    }

    /** {@code <typ>_token_id} of a config: an integer, or the first of a list (generation_config's eos lists). */
    private static Integer configId(JsonNode root, String typ) {
        JsonNode n = root.get(typ + "_token_id");
        if (n != null && n.isArray() && !n.isEmpty()) {
            n = n.get(0);
        }
        return n != null && n.isIntegralNumber() && n.canConvertToInt() ? n.asInt() : null;
    }

    /**
     * The ids of the pieces that tokenizer_config.json's {@code bos_token} etc. name (first match, as gguf-py), or
     * special_tokens_map.json's where tokenizer_config.json has none.
     */
    private static Map<String, Integer> idsFromTokenizerConfig(JsonNode tc, JsonNode stm, String[] tokens,
                                                               List<BpeVocabulary.Added> added) {
        Map<String, Integer> byText = new HashMap<>();
        for (BpeVocabulary.Added a : added) {
            byText.putIfAbsent(a.content(), a.id());
        }
        if (added.isEmpty()) {
            for (int i = tokens.length - 1; i >= 0; i--) {
                byText.put(tokens[i], i);
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String typ : SPECIALS) {
            JsonNode entry = tc.has(typ + "_token") ? tc.get(typ + "_token") : stm.get(typ + "_token");
            String content = entry == null ? null : entry.isTextual() ? entry.asText() : HfConfig.text(entry, "content");
            if (content != null && byText.containsKey(content)) {
                out.put(typ, byText.get(content));
            }
        }
        return out;
    }

    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uff5c") && t.endsWith("\uff5c>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    private static int parseId(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
