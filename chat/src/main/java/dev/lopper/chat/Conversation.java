package dev.lopper.chat;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.chat.Message.Role;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A chat session: an optional system prompt, the user/assistant turns so far, and the template that renders them.
 *
 * <p>Without a system prompt no system message is passed to the template, so the template's own default applies
 * (Vicuna's and Alpaca's preambles, or whatever a Jinja template writes). {@link #dropOldestTurn()} forgets the
 * oldest exchange but keeps the system prompt, to fit a long chat into the context window.
 *
 * <p>{@link #save} writes JSON (to a temporary file in the same directory, then an atomic rename, so a crash never
 * leaves a half-written file); {@link #load} reads it back and fails with a one-line message naming the file:
 *
 * <pre>{@code
 * {
 *   "format" : "lopper-conversation",
 *   "version" : 1,
 *   "template" : "vicuna_v1.1",
 *   "system" : "You are terse.",
 *   "messages" : [ { "role" : "user", "content" : "Hi" }, { "role" : "assistant", "content" : "Hello." } ]
 * }
 * }</pre>
 *
 * A Jinja template is saved with its source and BOS/EOS texts ({@code template_source}, {@code bos_token}, {@code
 * eos_token}) so the file is self-contained. Not thread-safe.
 */
public final class Conversation {

    static final String FORMAT = "lopper-conversation";
    static final int VERSION = 1;

    private ChatTemplate template;
    private String systemPrompt;
    private final List<Message> turns = new ArrayList<>();

    /** An empty conversation without a system prompt. */
    public Conversation(ChatTemplate template) {
        this(template, null);
    }

    /** An empty conversation; {@code systemPrompt} may be null for none. */
    public Conversation(ChatTemplate template, String systemPrompt) {
        this.template = Objects.requireNonNull(template, "template");
        this.systemPrompt = systemPrompt;
    }

    public ChatTemplate template() {
        return template;
    }

    public void setTemplate(ChatTemplate template) {
        this.template = Objects.requireNonNull(template, "template");
    }

    public Optional<String> systemPrompt() {
        return Optional.ofNullable(systemPrompt);
    }

    /** Sets the system prompt; null removes it (the template's default then applies). */
    public void setSystemPrompt(String systemPrompt) {
        this.systemPrompt = systemPrompt;
    }

    /** The user and assistant messages, oldest first (unmodifiable view). */
    public List<Message> turns() {
        return Collections.unmodifiableList(turns);
    }

    public Conversation addUser(String content) {
        return add(Message.user(content));
    }

    public Conversation addAssistant(String content) {
        return add(Message.assistant(content));
    }

    /** Appends a user or assistant message; a system message is rejected (use {@link #setSystemPrompt}). */
    public Conversation add(Message message) {
        Objects.requireNonNull(message, "message");
        if (message.role() == Role.SYSTEM) {
            throw new IllegalArgumentException("a conversation's system prompt is set with setSystemPrompt, not added");
        }
        turns.add(message);
        return this;
    }

    /** The system message (if any) followed by the turns: what the template renders. */
    public List<Message> messages() {
        List<Message> all = new ArrayList<>(turns.size() + 1);
        if (systemPrompt != null) {
            all.add(Message.system(systemPrompt));
        }
        all.addAll(turns);
        return all;
    }

    /** The whole conversation rendered by the template. */
    public String render(boolean addGenerationPrompt) {
        return template.render(messages(), addGenerationPrompt);
    }

    /** The prompt for the next assistant reply: {@code render(true)}. */
    public String prompt() {
        return render(true);
    }

    /**
     * Forgets the oldest exchange — the oldest user message and the assistant reply that follows it — keeping the
     * system prompt.
     *
     * @return false if there was nothing to drop
     */
    public boolean dropOldestTurn() {
        if (turns.isEmpty()) {
            return false;
        }
        Message first = turns.removeFirst();
        if (first.role() == Role.USER && !turns.isEmpty() && turns.getFirst().role() == Role.ASSISTANT) {
            turns.removeFirst();
        }
        return true;
    }

    /**
     * Drops the oldest exchanges until {@code tokenCount} of the prompt is at most {@code maxTokens}, but never the
     * newest exchange.
     *
     * @return how many exchanges were dropped
     */
    public int dropOldestTurnsToFit(ToIntFunction<String> tokenCount, int maxTokens) {
        int dropped = 0;
        while (tokenCount.applyAsInt(prompt()) > maxTokens && exchanges() > 1) {
            dropOldestTurn();
            dropped++;
        }
        return dropped;
    }

    private int exchanges() {
        int n = 0;
        for (int i = 0; i < turns.size(); i++) {
            if (turns.get(i).role() == Role.USER || i == 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Forgets the newest message (for example a user message the template or the context window could not take).
     *
     * @return the message removed, or empty if there were no turns
     */
    public Optional<Message> removeLastTurn() {
        return turns.isEmpty() ? Optional.empty() : Optional.of(turns.removeLast());
    }

    /** Removes all turns, keeping the system prompt and template. */
    public void clear() {
        turns.clear();
    }

    // JSON ---------------------------------------------------------------------------------------------------------

    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** Writes the conversation as JSON, atomically replacing {@code file}. */
    public void save(Path file) throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("template", template.name());
        if (template instanceof JinjaTemplate jinja) {
            root.put("template_source", jinja.source());
            root.put("bos_token", jinja.bosToken());
            root.put("eos_token", jinja.eosToken());
        }
        if (systemPrompt != null) {
            root.put("system", systemPrompt);
        }
        ArrayNode messages = root.putArray("messages");
        for (Message m : turns) {
            messages.addObject().put("role", m.role().wireName()).put("content", m.content());
        }
        byte[] bytes = (Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
                .getBytes(StandardCharsets.UTF_8);

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a conversation saved by {@link #save}, with the template it was saved with: a built-in by name, or the
     * saved Jinja source.
     *
     * @throws IOException with a one-line message naming the file if it cannot be read or is not a saved
     *                     conversation
     */
    public static Conversation load(Path file) throws IOException {
        return read(file, null);
    }

    /** Reads a saved conversation but renders it with {@code template} (for example the current model's). */
    public static Conversation load(Path file, ChatTemplate template) throws IOException {
        return read(file, Objects.requireNonNull(template, "template"));
    }

    private static Conversation read(Path file, ChatTemplate template) throws IOException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw bad(file, "invalid JSON" + where + ": " + oneLine(e.getOriginalMessage()));
        } catch (java.io.CharConversionException e) {
            // bytes Jackson takes for UTF-32 (or another encoding) that do not decode: not JSON either
            throw bad(file, "invalid JSON: " + oneLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw bad(file, "the file is empty");
        }
        if (!root.isObject()) {
            throw bad(file, "expected a JSON object");
        }
        if (!FORMAT.equals(root.path("format").asText())) {
            throw bad(file, "not a saved conversation (\"format\" is not \"" + FORMAT + "\")");
        }
        if (root.path("version").asInt(-1) != VERSION) {
            throw bad(file, "unsupported version " + root.path("version") + " (expected " + VERSION + ")");
        }

        ChatTemplate chosen = template;
        if (chosen == null) {
            String name = text(file, root, "template", false);
            if (root.hasNonNull("template_source")) {
                chosen = new JinjaTemplate(name, text(file, root, "template_source", false),
                        text(file, root, "bos_token", false), text(file, root, "eos_token", false));
            } else {
                try {
                    chosen = ChatTemplates.byName(name);
                } catch (IllegalArgumentException e) {
                    throw bad(file, e.getMessage());
                }
            }
        }

        Conversation c = new Conversation(chosen, text(file, root, "system", true));
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray()) {
            throw bad(file, "\"messages\" must be an array");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (!m.isObject() || role == null || !role.isTextual() || content == null || !content.isTextual()) {
                throw bad(file, "messages[" + i + "] must be an object with string \"role\" and \"content\"");
            }
            Role r;
            try {
                r = Role.parse(role.asText());
            } catch (IllegalArgumentException e) {
                throw bad(file, "messages[" + i + "]: " + e.getMessage());
            }
            if (r == Role.SYSTEM) {
                throw bad(file, "messages[" + i + "]: the system prompt belongs in \"system\"");
            }
            c.turns.add(new Message(r, content.asText()));
        }
        return c;
    }

    private static String text(Path file, JsonNode root, String field, boolean optional) throws IOException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (optional) {
                return null;
            }
            throw bad(file, "missing \"" + field + "\"");
        }
        if (!node.isTextual()) {
            throw bad(file, "\"" + field + "\" must be a string");
        }
        return node.asText();
    }

    private static IOException bad(Path file, String why) {
        return new IOException("cannot load conversation " + file + ": " + why);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
