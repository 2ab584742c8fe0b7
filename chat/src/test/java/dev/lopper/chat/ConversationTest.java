package dev.lopper.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationTest {

    @TempDir
    Path dir;

    static Conversation pirateChat() {
        return new Conversation(BuiltinTemplate.VICUNA_V1_1, "You are a pirate.")
                .addUser("Hi")
                .addAssistant("Arr, hello.")
                .addUser("Where is the treasure?");
    }

    @Test
    void rendersSystemPromptAndTurns() {
        Conversation c = pirateChat();
        assertEquals(BuiltinTemplateTest.MULTI, c.messages());
        assertEquals("You are a pirate. USER: Hi ASSISTANT: Arr, hello.</s>USER: Where is the treasure? ASSISTANT:",
                c.prompt());
        assertEquals(BuiltinTemplate.VICUNA_V1_1.render(c.messages(), false), c.render(false));
    }

    @Test
    void withoutSystemPromptTheTemplateDefaultApplies() {
        Conversation c = new Conversation(BuiltinTemplate.VICUNA_V1_1).addUser("Hello!");
        assertEquals(Optional.empty(), c.systemPrompt());
        assertEquals(BuiltinTemplateTest.VICUNA_SYSTEM + " USER: Hello! ASSISTANT:", c.prompt());
    }

    @Test
    void systemMessagesAreNotTurns() {
        Conversation c = new Conversation(BuiltinTemplate.CHATML);
        assertThrows(IllegalArgumentException.class, () -> c.add(Message.system("x")));
        c.setSystemPrompt("x");
        assertEquals(List.of(Message.system("x")), c.messages());
        c.setSystemPrompt(null);
        assertEquals(List.of(), c.messages());
    }

    @Test
    void dropOldestTurnKeepsSystemPrompt() {
        Conversation c = pirateChat();
        assertTrue(c.dropOldestTurn());
        assertEquals(List.of(Message.system("You are a pirate."), Message.user("Where is the treasure?")),
                c.messages());
        assertEquals("You are a pirate. USER: Where is the treasure? ASSISTANT:", c.prompt());
        assertTrue(c.dropOldestTurn());
        assertEquals(List.of(Message.system("You are a pirate.")), c.messages());
        assertFalse(c.dropOldestTurn());
    }

    @Test
    void dropOldestTurnsToFitKeepsTheNewestExchange() {
        Conversation c = pirateChat().addAssistant("Under the palm.").addUser("Thanks!");
        int dropped = c.dropOldestTurnsToFit(String::length, 0);
        assertEquals(2, dropped);
        assertEquals(List.of(Message.user("Thanks!")), c.turns());
        Conversation roomy = pirateChat();
        assertEquals(0, roomy.dropOldestTurnsToFit(String::length, 10_000));
        assertEquals(3, roomy.turns().size());
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Conversation c = pirateChat();
        Path file = dir.resolve("chat.json");
        c.save(file);
        Conversation back = Conversation.load(file);
        assertSame(BuiltinTemplate.VICUNA_V1_1, back.template());
        assertEquals(c.messages(), back.messages());
        assertEquals(c.prompt(), back.prompt());
        String json = Files.readString(file);
        assertTrue(json.contains("\"format\" : \"lopper-conversation\""), json);
        assertTrue(json.contains("\"template\" : \"vicuna_v1.1\""), json);
    }

    @Test
    void jinjaTemplateIsSavedWithItsSource() throws IOException {
        JinjaTemplate jinja = JinjaTemplateTest.template("chatml-openhermes-2.5.jinja");
        Conversation c = new Conversation(jinja).addUser("ünïcödé \"quoted\"\nline 🦙");
        Path file = dir.resolve("sub/dir/chat.json");
        c.save(file);
        Conversation back = Conversation.load(file);
        JinjaTemplate t = assertInstanceOf(JinjaTemplate.class, back.template());
        assertEquals(jinja.source(), t.source());
        assertEquals(jinja.name(), t.name());
        assertEquals(c.prompt(), back.prompt());
        assertEquals(Optional.empty(), back.systemPrompt());
    }

    @Test
    void loadWithAnotherTemplate() throws IOException {
        Path file = dir.resolve("chat.json");
        pirateChat().save(file);
        Conversation back = Conversation.load(file, BuiltinTemplate.CHATML);
        assertSame(BuiltinTemplate.CHATML, back.template());
        assertEquals(BuiltinTemplate.CHATML.render(BuiltinTemplateTest.MULTI, true), back.prompt());
    }

    @Test
    void saveReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("chat.json");
        Files.writeString(file, "old contents");
        pirateChat().save(file);
        pirateChat().addAssistant("X marks the spot.").save(file);
        assertEquals(4, Conversation.load(file).turns().size());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void badJsonIsAOneLineError() throws IOException {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\n  \"format\": \"lopper-conversation\",\n  \"messages\": [ {\"role\": \"user\" \n");
        IOException e = assertThrows(IOException.class, () -> Conversation.load(file));
        assertTrue(e.getMessage().startsWith("cannot load conversation " + file + ": invalid JSON at line "),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** Bytes Jackson detects as UTF-32 but cannot decode (a fuzz finding in convert's JSON readers). */
    @Test
    void undecodableUtf32IsAnInvalidJsonError() throws IOException {
        Path file = dir.resolve("utf32.json");
        Files.write(file, new byte[]{0, 0, 0, '{', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        IOException e = assertThrows(IOException.class, () -> Conversation.load(file));
        assertTrue(e.getMessage().startsWith("cannot load conversation " + file + ": invalid JSON: "), e.getMessage());
        assertTrue(e.getMessage().contains("UTF-32"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void wrongShapesAreOneLineErrors() throws IOException {
        assertLoadError("", "the file is empty");
        assertLoadError("[1, 2]", "expected a JSON object");
        assertLoadError("{\"a\": 1}", "not a saved conversation");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 7}", "unsupported version 7");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 1, \"template\": \"nope\", \"messages\": []}",
                "unknown chat template 'nope'");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 1, \"template\": \"chatml\"}",
                "\"messages\" must be an array");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 1, \"template\": \"chatml\", "
                + "\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "messages[0]: unknown message role");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 1, \"template\": \"chatml\", "
                + "\"messages\": [{\"role\": \"user\"}]}", "messages[0] must be an object");
        assertLoadError("{\"format\": \"lopper-conversation\", \"version\": 1, \"template\": \"chatml\", "
                + "\"messages\": []} trailing", "invalid JSON");
    }

    private void assertLoadError(String json, String expectedPart) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.write(file, json.getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> Conversation.load(file));
        assertTrue(e.getMessage().startsWith("cannot load conversation " + file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
