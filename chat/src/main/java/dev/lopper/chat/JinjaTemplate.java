package dev.lopper.chat;

import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Hugging Face chat template — the {@code tokenizer.chat_template} string of a GGUF file — rendered with Jinjava
 * in an environment that mimics {@code transformers}' {@code apply_chat_template} (see {@link JinjaSupport}):
 *
 * <ul>
 *   <li>variables {@code messages} (a list of {@code {role, content}} maps, roles {@code system}/{@code user}/{@code
 *       assistant}), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token};</li>
 *   <li>{@code raise_exception(msg)} aborts rendering: {@link #render} throws {@link ChatTemplateException} with
 *       {@code msg};</li>
 *   <li>{@code trim_blocks} and {@code lstrip_blocks} on, Python's {@code tojson}/{@code trim}, Python string
 *       methods ({@code .strip()}, {@code .startswith()} …), {@code namespace()}, slicing, {@code loop.*}.</li>
 * </ul>
 *
 * <p><b>BOS.</b> The text is returned exactly as rendered; if the template writes {@code bos_token} first, the text
 * starts with the BOS text. Tokenize it with special-token parsing and add BOS only if {@link
 * ChatTemplates#shouldAddBos} says so (this is llama.cpp's behaviour as well). Nothing is stripped.
 *
 * <p>Known Jinjava differences: {@code not x in y} parses as {@code (not x) in y} (write {@code x not in y});
 * undefined variables concatenate as {@code "null"} instead of raising.
 */
public final class JinjaTemplate implements ChatTemplate {

    /** The name a template read from a GGUF file gets. */
    public static final String GGUF_NAME = "gguf";

    /** Markers in template text, and the stop string each implies. */
    private static final List<String[]> STOP_MARKERS = List.of(
            new String[] {"<|im_end|>", "<|im_end|>"},
            new String[] {"[INST]", "[INST]"},
            new String[] {"<|user|>", "<|user|>"},
            new String[] {"USER:", "USER:"},
            new String[] {"### Instruction:", "### Instruction:"},
            new String[] {"<|eot_id|>", "<|eot_id|>"},
            new String[] {"<|end|>", "<|end|>"},
            new String[] {"<end_of_turn>", "<end_of_turn>"});

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final List<String> stopStrings;

    /** A GGUF template named {@value #GGUF_NAME}. */
    public JinjaTemplate(String source, String bosToken, String eosToken) {
        this(GGUF_NAME, source, bosToken, eosToken);
    }

    /**
     * @param name     a label for messages and saved conversations
     * @param source   the Jinja template text
     * @param bosToken the BOS token's text (for example {@code "<s>"}), passed as {@code bos_token}
     * @param eosToken the EOS token's text (for example {@code "</s>"}), passed as {@code eos_token}
     */
    public JinjaTemplate(String name, String source, String bosToken, String eosToken) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
        List<String> stops = new ArrayList<>();
        for (String[] marker : STOP_MARKERS) {
            if (source.contains(marker[0]) && !stops.contains(marker[1])) {
                stops.add(marker[1]);
            }
        }
        if (!eosToken.isEmpty() && source.contains("eos_token") && !stops.contains(eosToken)) {
            stops.add(eosToken);
        }
        this.stopStrings = List.copyOf(stops);
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    @Override
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().wireName());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);

        JinjaSupport.clearRaised();
        RenderResult result;
        RenderBudget.start();
        try {
            result = JinjaSupport.jinjava().renderForResult(source, context);
        } catch (RenderBudget.Exceeded e) {
            throw new ChatTemplateException("chat template '" + name + "' cannot be rendered: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof RenderBudget.Exceeded)) {
                cause = cause.getCause();
            }
            if (cause instanceof RenderBudget.Exceeded exceeded) {
                throw new ChatTemplateException("chat template '" + name + "' cannot be rendered: "
                        + exceeded.getMessage(), e);
            }
            String raised = JinjaSupport.takeRaised();
            if (raised != null) {
                throw raisedException(raised);
            }
            throw new ChatTemplateException(
                    "chat template '" + name + "' cannot be rendered: " + oneLine(String.valueOf(e.getMessage())), e);
        } finally {
            String over = RenderBudget.end();
            if (over != null) {
                throw new ChatTemplateException("chat template '" + name + "' cannot be rendered: " + over);
            }
        }
        String raised = JinjaSupport.takeRaised();
        if (raised != null) {
            throw raisedException(raised);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                String where = error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : "";
                throw new ChatTemplateException("chat template '" + name + "' cannot be rendered" + where + ": "
                        + oneLine(String.valueOf(error.getMessage())));
            }
        }
        return result.getOutput();
    }

    private ChatTemplateException raisedException(String message) {
        return new ChatTemplateException("chat template '" + name + "' rejected the conversation: " + oneLine(message));
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Guessed from the template text: {@code <|im_end|>}, {@code [INST]}, {@code <|user|>}, {@code USER:}, {@code
     * ### Instruction:}, {@code <|eot_id|>}, {@code <|end|>}, {@code <end_of_turn>} when the template contains them,
     * plus the EOS text when the template writes {@code eos_token}.
     */
    @Override
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** Empty: a Jinja template that has a default system prompt writes it itself. */
    @Override
    public Optional<String> defaultSystemPrompt() {
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name;
    }
}
