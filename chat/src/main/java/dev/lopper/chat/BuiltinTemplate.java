package dev.lopper.chat;

import dev.lopper.chat.Message.Role;
import java.util.List;
import java.util.Optional;

/**
 * The chat formats Lopper knows without a Jinja template. None of them emits the BOS text at the start: the
 * tokenizer adds BOS. Markup such as {@code "</s>"} inside the text is meant to be tokenized as the special token.
 *
 * <p>In every format a leading {@link Role#SYSTEM} message is the system prompt; without one, {@link
 * #defaultSystemPrompt()} is used (only Vicuna and Alpaca have one). {@code {s}}, {@code {u1}}, {@code {a1}} …
 * below are the system prompt, user and assistant texts; {@code ⏎} is a newline.
 *
 * <ul>
 *   <li>{@link #VICUNA_V1_1} — FastChat's {@code vicuna_v1.1} ({@code SeparatorStyle.ADD_COLON_TWO}, sep {@code " "},
 *       sep2 {@code "</s>"}): {@code {s} USER: {u1} ASSISTANT: {a1}</s>USER: {u2} ASSISTANT:}. Each user message
 *       is followed by {@code " "}, each assistant message by {@code "</s>"}; the generation prompt is
 *       {@code "ASSISTANT:"}. (llama.cpp's own {@code vicuna} puts newlines between turns instead; FastChat's text is
 *       what Vicuna v1.1–v1.5 were trained on.) A system message other than the first is rejected.</li>
 *   <li>{@link #ALPACA} — the Stanford Alpaca / alpaca-lora prompt (the one Shortened LLaMA's LoRA retraining
 *       used): {@code {s}⏎⏎### Instruction:⏎{u1}⏎⏎### Response:⏎}, where {@code {s}} defaults to "Below is an
 *       instruction that describes a task. Write a response that appropriately completes the request.". Alpaca is
 *       single-turn; further turns continue the pattern: {@code {a1}⏎⏎### Instruction:⏎{u2}⏎⏎### Response:⏎}.
 *       A system message other than the first is rejected.</li>
 *   <li>{@link #LLAMA_2} — Meta's Llama-2-chat format, exactly what the official Hugging Face template renders
 *       minus its leading {@code <s>}: {@code [INST] <<SYS>>⏎{s}⏎<</SYS>>⏎⏎{u1} [/INST] {a1} </s><s>[INST] {u2}
 *       [/INST]}; message texts are stripped of surrounding whitespace, and roles must alternate user/assistant
 *       (otherwise {@link ChatTemplateException}, like the official template). A user turn already ends with the
 *       cue, so {@code addGenerationPrompt} changes nothing. (llama.cpp's {@code llama2-sys} variant writes
 *       {@code [/INST]{a1}</s>[INST]} without the spaces and inner {@code <s>}; Lopper follows Meta.)</li>
 *   <li>{@link #CHATML} — {@code <|im_start|>{role}⏎{text}<|im_end|>⏎} per message, generation prompt
 *       {@code <|im_start|>assistant⏎} (identical to llama.cpp's {@code chatml}).</li>
 *   <li>{@link #ZEPHYR} — HuggingFaceH4/zephyr-7b-beta (also TinyLlama-Chat):
 *       {@code <|{role}|>⏎{text}</s>⏎} per message, generation prompt {@code <|assistant|>⏎}. (llama.cpp's
 *       {@code zephyr} is the StableLM-Zephyr variant ending turns with {@code <|endoftext|>}.)</li>
 *   <li>{@link #LLAMA_3} — llama.cpp's {@code llama3}, Meta Llama 3 / 3.1 Instruct:
 *       {@code <|start_header_id|>{role}<|end_header_id|>⏎⏎{text}<|eot_id|>} per message (text stripped of
 *       surrounding whitespace), generation prompt {@code <|start_header_id|>assistant<|end_header_id|>⏎⏎}.</li>
 *   <li>{@link #MISTRAL_V1}, {@link #MISTRAL_V3}, {@link #MISTRAL_V3_TEKKEN} — llama.cpp's {@code mistral-v1},
 *       {@code mistral-v3}, {@code mistral-v3-tekken} (Mistral's own tokenizer templates: v1 for Mistral 7B
 *       Instruct v0.1/v0.2 and Mixtral 8x7B, v3 for Mistral 7B v0.3 and Mixtral 8x22B, v3-tekken for Mistral
 *       Nemo): {@code [INST] {s}⏎⏎{u1}[/INST] {a1}</s>[INST] {u2}[/INST]}, where v1 puts a space before each
 *       {@code [INST]} and {@code [/INST]}, v3 strips the assistant text, and v3-tekken has no space after
 *       {@code [INST]} or before an answer. A user turn already ends with the cue.</li>
 *   <li>{@link #MISTRAL_V7} — llama.cpp's {@code mistral-v7} (Mistral Large 2411, Small 3):
 *       {@code [SYSTEM_PROMPT] {s}[/SYSTEM_PROMPT][INST] {u1}[/INST] {a1}</s>[INST] {u2}[/INST]}.</li>
 *   <li>{@link #MISTRAL} — llama.cpp's {@code mistral} (what llama.cpp renders for that name: the format of Mistral
 *       7B Instruct's original template, the same as llama.cpp's {@code llama2}): {@code [INST] {s}⏎{u1} [/INST]{a1}</s>[INST]
 *       {u2} [/INST]}.</li>
 *   <li>{@link #COMPLETION} — no template: the message texts concatenated in order, nothing added.</li>
 * </ul>
 *
 * <p>The llama-3 and Mistral formats render every message in order, a system message anywhere included, exactly
 * as llama.cpp's {@code llm_chat_apply_template} does (its tests/test-chat-template.cpp expectations are this
 * module's tests).</p>
 */
public final class BuiltinTemplate implements ChatTemplate {

    private enum Format {
        VICUNA, ALPACA, LLAMA_2, CHATML, ZEPHYR, LLAMA_3, MISTRAL_V1, MISTRAL_V3, MISTRAL_V3_TEKKEN, MISTRAL_V7,
        MISTRAL, COMPLETION
    }

    public static final BuiltinTemplate VICUNA_V1_1 = new BuiltinTemplate(Format.VICUNA, "vicuna_v1.1",
            "A chat between a curious user and an artificial intelligence assistant. "
                    + "The assistant gives helpful, detailed, and polite answers to the user's questions.",
            List.of("USER:", "</s>"));
    public static final BuiltinTemplate ALPACA = new BuiltinTemplate(Format.ALPACA, "alpaca",
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.",
            List.of("### Instruction:", "</s>"));
    public static final BuiltinTemplate LLAMA_2 =
            new BuiltinTemplate(Format.LLAMA_2, "llama-2", null, List.of("[INST]", "</s>"));
    public static final BuiltinTemplate CHATML =
            new BuiltinTemplate(Format.CHATML, "chatml", null, List.of("<|im_end|>", "<|im_start|>"));
    public static final BuiltinTemplate ZEPHYR =
            new BuiltinTemplate(Format.ZEPHYR, "zephyr", null, List.of("</s>", "<|user|>"));
    public static final BuiltinTemplate LLAMA_3 = new BuiltinTemplate(Format.LLAMA_3, "llama3", null,
            List.of("<|eot_id|>", "<|start_header_id|>"));
    private static final List<String> MISTRAL_STOPS = List.of("</s>", "[INST]");
    public static final BuiltinTemplate MISTRAL_V1 =
            new BuiltinTemplate(Format.MISTRAL_V1, "mistral-v1", null, MISTRAL_STOPS);
    public static final BuiltinTemplate MISTRAL_V3 =
            new BuiltinTemplate(Format.MISTRAL_V3, "mistral-v3", null, MISTRAL_STOPS);
    public static final BuiltinTemplate MISTRAL_V3_TEKKEN =
            new BuiltinTemplate(Format.MISTRAL_V3_TEKKEN, "mistral-v3-tekken", null, MISTRAL_STOPS);
    public static final BuiltinTemplate MISTRAL_V7 =
            new BuiltinTemplate(Format.MISTRAL_V7, "mistral-v7", null, MISTRAL_STOPS);
    public static final BuiltinTemplate MISTRAL = new BuiltinTemplate(Format.MISTRAL, "mistral", null, MISTRAL_STOPS);
    public static final BuiltinTemplate COMPLETION =
            new BuiltinTemplate(Format.COMPLETION, "completion", null, List.of());

    private static final List<BuiltinTemplate> ALL = List.of(VICUNA_V1_1, ALPACA, LLAMA_2, CHATML, ZEPHYR, LLAMA_3,
            MISTRAL_V1, MISTRAL_V3, MISTRAL_V3_TEKKEN, MISTRAL_V7, MISTRAL, COMPLETION);

    private final Format format;
    private final String templateName;
    private final Optional<String> defaultSystemPrompt;
    private final List<String> stopStrings;

    private BuiltinTemplate(Format format, String templateName, String defaultSystemPrompt, List<String> stopStrings) {
        this.format = format;
        this.templateName = templateName;
        this.defaultSystemPrompt = Optional.ofNullable(defaultSystemPrompt);
        this.stopStrings = stopStrings;
    }

    /** Every built-in, in a fixed order. */
    public static List<BuiltinTemplate> values() {
        return ALL;
    }

    @Override
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return switch (format) {
            case VICUNA -> vicuna(messages, addGenerationPrompt);
            case ALPACA -> alpaca(messages, addGenerationPrompt);
            case LLAMA_2 -> llama2(messages);
            case CHATML -> chatml(messages, addGenerationPrompt);
            case ZEPHYR -> zephyr(messages, addGenerationPrompt);
            case LLAMA_3 -> llama3(messages, addGenerationPrompt);
            case MISTRAL_V1 -> mistral(messages, " ", " ", false);
            case MISTRAL_V3 -> mistral(messages, "", " ", true);
            case MISTRAL_V3_TEKKEN -> mistral(messages, "", "", false);
            case MISTRAL_V7 -> mistralV7(messages);
            case MISTRAL -> mistralLegacy(messages);
            case COMPLETION -> completion(messages);
        };
    }

    @Override
    public String name() {
        return templateName;
    }

    @Override
    public List<String> stopStrings() {
        return stopStrings;
    }

    @Override
    public Optional<String> defaultSystemPrompt() {
        return defaultSystemPrompt;
    }

    @Override
    public String toString() {
        return templateName;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The system prompt: the first message if it is a system message, else the default ("" if none). */
    private String systemPrompt(List<Message> messages) {
        if (!messages.isEmpty() && messages.getFirst().role() == Role.SYSTEM) {
            return messages.getFirst().content();
        }
        return defaultSystemPrompt.orElse("");
    }

    private static List<Message> turns(List<Message> messages) {
        List<Message> turns = !messages.isEmpty() && messages.getFirst().role() == Role.SYSTEM
                ? messages.subList(1, messages.size())
                : messages;
        for (Message m : turns) {
            if (m.role() == Role.SYSTEM) {
                throw new ChatTemplateException("this chat format takes a system message only as the first message");
            }
        }
        return turns;
    }

    private String vicuna(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder(systemPrompt(messages)).append(' ');
        for (Message m : turns(messages)) {
            if (m.role() == Role.USER) {
                sb.append("USER: ").append(m.content()).append(' ');
            } else {
                sb.append("ASSISTANT: ").append(m.content()).append("</s>");
            }
        }
        if (addGenerationPrompt) {
            sb.append("ASSISTANT:");
        }
        return sb.toString();
    }

    private String alpaca(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        String system = systemPrompt(messages);
        if (!system.isEmpty()) {
            sb.append(system).append("\n\n");
        }
        for (Message m : turns(messages)) {
            if (m.role() == Role.USER) {
                sb.append("### Instruction:\n").append(m.content()).append("\n\n");
            } else {
                sb.append("### Response:\n").append(m.content()).append("\n\n");
            }
        }
        if (addGenerationPrompt) {
            sb.append("### Response:\n");
        }
        return sb.toString();
    }

    private static String llama2(List<Message> messages) {
        String system = null;
        List<Message> turns = messages;
        if (!messages.isEmpty() && messages.getFirst().role() == Role.SYSTEM) {
            system = messages.getFirst().content();
            turns = messages.subList(1, messages.size());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            if ((m.role() == Role.USER) != (i % 2 == 0) || m.role() == Role.SYSTEM) {
                throw new ChatTemplateException("Conversation roles must alternate user/assistant/user/assistant/...");
            }
            String content = m.content();
            if (i == 0 && system != null) {
                content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
            }
            if (m.role() == Role.USER) {
                if (i > 0) {
                    sb.append("<s>");
                }
                sb.append("[INST] ").append(PyStrings.strip(content)).append(" [/INST]");
            } else {
                sb.append(' ').append(PyStrings.strip(content)).append(" </s>");
            }
        }
        return sb.toString();
    }

    private static String chatml(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|im_start|>").append(m.role().wireName()).append('\n')
                    .append(m.content()).append("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            sb.append("<|im_start|>assistant\n");
        }
        return sb.toString();
    }

    private static String zephyr(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|").append(m.role().wireName()).append("|>\n").append(m.content()).append("</s>\n");
        }
        if (addGenerationPrompt) {
            sb.append("<|assistant|>\n");
        }
        return sb.toString();
    }

    private static String llama3(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|start_header_id|>").append(m.role().wireName()).append("<|end_header_id|>\n\n")
                    .append(PyStrings.strip(m.content())).append("<|eot_id|>");
        }
        if (addGenerationPrompt) {
            sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return sb.toString();
    }

    /**
     * Mistral's v1, v3 and v3-tekken formats: {@code outer} is the space v1 puts before {@code [INST]} and
     * {@code [/INST]}, {@code inner} the space after {@code [INST]} and before an answer (none in tekken).
     */
    private static String mistral(List<Message> messages, String outer, String inner, boolean stripAnswers) {
        StringBuilder sb = new StringBuilder();
        boolean insideTurn = false;
        for (Message m : messages) {
            if (!insideTurn) {
                sb.append(outer).append("[INST]").append(inner);
                insideTurn = true;
            }
            switch (m.role()) {
                case SYSTEM -> sb.append(m.content()).append("\n\n");
                case USER -> sb.append(m.content()).append(outer).append("[/INST]");
                case ASSISTANT -> {
                    sb.append(inner).append(stripAnswers ? PyStrings.strip(m.content()) : m.content())
                            .append("</s>");
                    insideTurn = false;
                }
            }
        }
        return sb.toString();
    }

    private static String mistralV7(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            switch (m.role()) {
                case SYSTEM -> sb.append("[SYSTEM_PROMPT] ").append(m.content()).append("[/SYSTEM_PROMPT]");
                case USER -> sb.append("[INST] ").append(m.content()).append("[/INST]");
                case ASSISTANT -> sb.append(' ').append(m.content()).append("</s>");
            }
        }
        return sb.toString();
    }

    /** llama.cpp's {@code mistral} / {@code llama2}: a system message is the first turn's opening line. */
    private static String mistralLegacy(List<Message> messages) {
        StringBuilder sb = new StringBuilder("[INST] ");
        boolean insideTurn = true;
        for (Message m : messages) {
            if (!insideTurn) {
                sb.append("[INST] ");
                insideTurn = true;
            }
            switch (m.role()) {
                case SYSTEM -> sb.append(m.content()).append('\n');
                case USER -> sb.append(m.content()).append(" [/INST]");
                case ASSISTANT -> {
                    sb.append(m.content()).append("</s>");
                    insideTurn = false;
                }
            }
        }
        return sb.toString();
    }

    private static String completion(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(m.content());
        }
        return sb.toString();
    }
}
