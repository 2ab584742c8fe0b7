package dev.lopper.chat;

import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.engine.tokenizer.Vocabulary;
import dev.lopper.gguf.GgufMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Picks the chat template for a model, and the BOS rule for tokenizing what it renders.
 *
 * <p>{@link #choose} order:
 * <ol>
 *   <li>an explicit override ({@code --template NAME}) wins; {@code "auto"} means no override; an unknown name is an
 *       {@link IllegalArgumentException} listing the valid ones;</li>
 *   <li>the GGUF's {@code tokenizer.chat_template}, if present and not blank, as a {@link JinjaTemplate}; or,
 *       when Jinja is not wanted ({@code --no-jinja}), the built-in {@link #detect} recognises in it, as llama.cpp
 *       does without {@code --jinja};</li>
 *   <li>a built-in guessed from {@code general.name}, then {@code general.basename} ({@link #guess});</li>
 *   <li>{@link BuiltinTemplate#COMPLETION}.</li>
 * </ol>
 */
public final class ChatTemplates {

    /** LLaMA's BOS and EOS texts, used when the caller does not pass the model's. */
    public static final String LLAMA_BOS = "<s>";
    public static final String LLAMA_EOS = "</s>";

    private static final Pattern SHORTENED_LLAMA = Pattern.compile("(?<![a-z0-9])st-llama");

    private ChatTemplates() {
    }

    /**
     * The template for a model file: {@code override} ({@code --template}; null or "auto" for none), else the GGUF's
     * {@code tokenizer.chat_template}, else a guess from {@code general.name} / {@code general.basename}, else
     * {@code completion}; a Jinja template gets the model's own BOS and EOS texts.
     */
    public static ChatTemplate forModel(GgufMetadata md, Vocabulary vocab, String override) {
        return forModel(md, vocab, override, true);
    }

    /**
     * {@link #forModel(GgufMetadata, Vocabulary, String)}; with {@code jinja} false the GGUF's template is not run
     * but {@linkplain #detect recognised} as one of the built-ins (and ignored if it is none of them).
     */
    public static ChatTemplate forModel(GgufMetadata md, Vocabulary vocab, String override, boolean jinja) {
        return choose(
                Optional.ofNullable(md.getString("tokenizer.chat_template", null)),
                Optional.ofNullable(md.getString("general.name", null)),
                Optional.ofNullable(md.getString("general.basename", null)),
                Optional.ofNullable(override),
                tokenText(vocab, vocab.bos(), LLAMA_BOS),
                tokenText(vocab, vocab.eos(), LLAMA_EOS),
                jinja);
    }

    /**
     * Token ids of rendered chat text: special tokens parsed, BOS added per {@link #shouldAddBos} (unless the text
     * already starts with it).
     */
    public static int[] encodePrompt(Tokenizer tokenizer, String rendered) {
        Vocabulary v = tokenizer.vocabulary();
        String bosText = v.bos() == Vocabulary.NONE ? "" : v.piece(v.bos());
        return tokenizer.encode(rendered, shouldAddBos(rendered, bosText, v.addBos()), true);
    }

    private static String tokenText(Vocabulary vocab, int id, String dflt) {
        return id == Vocabulary.NONE || id >= vocab.size() ? dflt : vocab.piece(id);
    }

    /** {@link #choose(Optional, Optional, Optional, Optional, String, String)} with LLaMA's {@code <s>}/{@code </s>}. */
    public static ChatTemplate choose(Optional<String> ggufTemplate, Optional<String> generalName,
            Optional<String> basename, Optional<String> override) {
        return choose(ggufTemplate, generalName, basename, override, LLAMA_BOS, LLAMA_EOS);
    }

    /**
     * The template to use.
     *
     * @param ggufTemplate {@code tokenizer.chat_template}
     * @param generalName  {@code general.name}
     * @param basename     {@code general.basename}
     * @param override     the user's {@code --template} value
     * @param bosToken     the BOS token's text, for a Jinja template's {@code bos_token}
     * @param eosToken     the EOS token's text, for a Jinja template's {@code eos_token}
     */
    public static ChatTemplate choose(Optional<String> ggufTemplate, Optional<String> generalName,
            Optional<String> basename, Optional<String> override, String bosToken, String eosToken) {
        return choose(ggufTemplate, generalName, basename, override, bosToken, eosToken, true);
    }

    /**
     * {@link #choose(Optional, Optional, Optional, Optional, String, String)}; with {@code jinja} false the GGUF
     * template is {@linkplain #detect recognised} as a built-in instead of run (skipped when it is none of them).
     */
    public static ChatTemplate choose(Optional<String> ggufTemplate, Optional<String> generalName,
            Optional<String> basename, Optional<String> override, String bosToken, String eosToken, boolean jinja) {
        Optional<String> wanted = override.map(String::strip).filter(s -> !s.isEmpty() && !s.equalsIgnoreCase("auto"));
        if (wanted.isPresent()) {
            return byName(wanted.get());
        }
        Optional<String> source = ggufTemplate.filter(s -> !s.isBlank());
        if (source.isPresent() && jinja) {
            return new JinjaTemplate(source.get(), bosToken, eosToken);
        }
        Optional<BuiltinTemplate> detected = source.flatMap(ChatTemplates::detect);
        if (detected.isPresent()) {
            return detected.get();
        }
        return generalName.flatMap(ChatTemplates::guess)
                .or(() -> basename.flatMap(ChatTemplates::guess))
                .orElse(BuiltinTemplate.COMPLETION);
    }

    /**
     * The built-in a Jinja chat template's source stands for, recognised by the markers llama.cpp's
     * {@code llm_chat_detect_template} looks for (a built-in's name is accepted as well), in llama.cpp's order;
     * empty for a format Lopper has no built-in for (or renders differently from llama.cpp):
     * <ul>
     *   <li>{@code <|im_start|>} → {@code chatml} (unless {@code <|im_sep|>}: Phi-4, none);</li>
     *   <li>starting with {@code mistral}, or containing {@code [INST]}: {@code [SYSTEM_PROMPT]} → {@code mistral-v7};
     *       Mistral's own v1/v3 templates ({@code ' [INST] ' + system_message} or {@code [AVAILABLE_TOOLS]}) →
     *       {@code mistral-v1} if {@code " [INST]"} occurs, else {@code mistral-v3-tekken} if {@code "[INST]"} occurs
     *       in double quotes, else {@code mistral-v3}; otherwise the Llama-2 family: {@code <<SYS>>} →
     *       {@code llama-2} (Meta's format, which those templates render), else {@code mistral} (llama.cpp's
     *       {@code llama2}/{@code mistral});</li>
     *   <li>formats llama.cpp checks next (Phi-3, Falcon 3, GLM-Edge, its own Zephyr and Vicuna variants, Monarch,
     *       Gemma, Orion, OpenChat, DeepSeek, Command-R) → none;</li>
     *   <li>{@code <|start_header_id|>} and {@code <|end_header_id|>} → {@code llama3}.</li>
     * </ul>
     */
    public static Optional<BuiltinTemplate> detect(String source) {
        try {
            return Optional.of(byName(source));
        } catch (IllegalArgumentException notAName) {
            // a template's source
        }
        if (source.contains("<|im_start|>")) {
            return source.contains("<|im_sep|>") ? Optional.empty() : Optional.of(BuiltinTemplate.CHATML);
        }
        if (source.startsWith("mistral") || source.contains("[INST]")) {
            if (source.contains("[SYSTEM_PROMPT]")) {
                return Optional.of(BuiltinTemplate.MISTRAL_V7);
            }
            if (source.contains("' [INST] ' + system_message") || source.contains("[AVAILABLE_TOOLS]")) {
                if (source.contains(" [INST]")) {
                    return Optional.of(BuiltinTemplate.MISTRAL_V1);
                }
                return Optional.of(source.contains("\"[INST]\"") ? BuiltinTemplate.MISTRAL_V3_TEKKEN
                        : BuiltinTemplate.MISTRAL_V3);
            }
            return Optional.of(source.contains("<<SYS>>") ? BuiltinTemplate.LLAMA_2 : BuiltinTemplate.MISTRAL);
        }
        boolean otherFormat = (source.contains("<|assistant|>") && (source.contains("<|end|>")
                || source.contains("<|user|>")))
                || (source.contains("<|user|>") && source.contains("<|endoftext|>"))
                || source.contains("bos_token + message['role']")
                || source.contains("<start_of_turn>")
                || source.contains("'\\n\\nAssistant: ' + eos_token")
                || source.contains("GPT4 Correct ")
                || (source.contains("USER: ") && source.contains("ASSISTANT: "))
                || (source.contains("### Instruction:") && source.contains("<|EOT|>"))
                || (source.contains("<|START_OF_TURN_TOKEN|>") && source.contains("<|USER_TOKEN|>"));
        if (!otherFormat && source.contains("<|start_header_id|>") && source.contains("<|end_header_id|>")) {
            return Optional.of(BuiltinTemplate.LLAMA_3);
        }
        return Optional.empty();
    }

    /**
     * Guesses a built-in from a model name. The name is lower-cased and spaces and underscores become {@code '-'}
     * ({@code "Llama 2 7b Chat Hf"} → {@code "llama-2-7b-chat-hf"}); then, first match wins:
     * <ul>
     *   <li>contains {@code vicuna} → {@code vicuna_v1.1} (Vicuna v1.1–v1.5, and Nota's {@code st-vicuna} pruned
     *       models);</li>
     *   <li>contains {@code zephyr} → {@code zephyr};</li>
     *   <li>contains {@code alpaca}, or a word starting {@code st-llama} (Nota's Shortened LLaMA {@code
     *       st-llama-1-5.5b-*}, LoRA-retrained on the Alpaca prompt) → {@code alpaca};</li>
     *   <li>contains {@code llama-2} or {@code llama2}, and {@code chat} → {@code llama-2};</li>
     *   <li>contains {@code chatml} → {@code chatml}.</li>
     * </ul>
     */
    public static Optional<BuiltinTemplate> guess(String modelName) {
        String n = modelName.toLowerCase(Locale.ROOT).replace(' ', '-').replace('_', '-');
        if (n.contains("vicuna")) {
            return Optional.of(BuiltinTemplate.VICUNA_V1_1);
        }
        if (n.contains("zephyr")) {
            return Optional.of(BuiltinTemplate.ZEPHYR);
        }
        if (n.contains("alpaca") || SHORTENED_LLAMA.matcher(n).find()) {
            return Optional.of(BuiltinTemplate.ALPACA);
        }
        if ((n.contains("llama-2") || n.contains("llama2")) && n.contains("chat")) {
            return Optional.of(BuiltinTemplate.LLAMA_2);
        }
        if (n.contains("chatml")) {
            return Optional.of(BuiltinTemplate.CHATML);
        }
        return Optional.empty();
    }

    /**
     * The built-in with that name, case-insensitive. Accepted: {@code vicuna_v1.1} (also {@code vicuna}, {@code
     * vicuna-v1.1}), {@code alpaca}, {@code llama-2} (also {@code llama2}, {@code llama-2-chat}), {@code chatml},
     * {@code zephyr}, {@code llama3} (also {@code llama-3}), {@code mistral-v1}, {@code mistral-v3}, {@code
     * mistral-v3-tekken}, {@code mistral-v7}, {@code mistral}, {@code completion} (also {@code none}, {@code raw}).
     *
     * @throws IllegalArgumentException for any other name, listing the valid ones
     */
    public static BuiltinTemplate byName(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "vicuna-v1.1", "vicuna", "vicuna-v1", "vicuna-v1-1" -> BuiltinTemplate.VICUNA_V1_1;
            case "alpaca" -> BuiltinTemplate.ALPACA;
            case "llama-2", "llama2", "llama-2-chat", "llama2-chat" -> BuiltinTemplate.LLAMA_2;
            case "chatml" -> BuiltinTemplate.CHATML;
            case "zephyr" -> BuiltinTemplate.ZEPHYR;
            case "llama3", "llama-3" -> BuiltinTemplate.LLAMA_3;
            case "mistral-v1" -> BuiltinTemplate.MISTRAL_V1;
            case "mistral-v3" -> BuiltinTemplate.MISTRAL_V3;
            case "mistral-v3-tekken" -> BuiltinTemplate.MISTRAL_V3_TEKKEN;
            case "mistral-v7" -> BuiltinTemplate.MISTRAL_V7;
            case "mistral" -> BuiltinTemplate.MISTRAL;
            case "completion", "none", "raw" -> BuiltinTemplate.COMPLETION;
            default -> throw new IllegalArgumentException(
                    "unknown chat template '" + name + "'; valid names: " + String.join(", ", names()));
        };
    }

    /** The built-ins' names, as {@link ChatTemplate#name()} spells them. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (BuiltinTemplate t : BuiltinTemplate.values()) {
            names.add(t.name());
        }
        return List.copyOf(names);
    }

    /**
     * Whether to add BOS when tokenizing rendered chat text. The text is tokenized with special-token parsing, so a
     * leading BOS text (which a Jinja template may write) already becomes the BOS token; adding another would give
     * two. Rule: add BOS when the model wants one ({@code tokenizer.ggml.add_bos_token}, true for LLaMA) and the text
     * does not already start with the BOS text.
     *
     * @param rendered     the template's output
     * @param bosText      the BOS token's text ({@code "<s>"}); empty if the model has none
     * @param modelAddsBos whether the tokenizer adds BOS to a prompt
     */
    public static boolean shouldAddBos(String rendered, String bosText, boolean modelAddsBos) {
        return modelAddsBos && (bosText.isEmpty() || !rendered.startsWith(bosText));
    }
}
