package dev.lopper.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real clients, unchanged, against the server: the official OpenAI Java SDK and LangChain4j's OpenAI module, each
 * with a plain and a streaming chat completion. At temperature 0 they all get the answer a raw request gets.
 */
class OpenAiClientsTest {
    private static final String KEY = "sk-lopper-test";
    private static final String PROMPT = "Once upon a time";
    private static final int TOKENS = 16;
    private static TestServer s;
    private static String expected;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(TestServer.demo(), 512, ServerOptions.defaults().withParallel(2).withApiKey(KEY));
        expected = TestServer.json(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + PROMPT + "\"}],\"temperature\":0,\"max_tokens\":" + TOKENS + "}", "Authorization",
                "Bearer " + KEY).body()).path("choices").get(0).path("message").path("content").asText();
        assertFalse(expected.isBlank());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String baseUrl() {
        return s.uri("/v1").toString();
    }

    @Test
    void officialOpenAiSdk() {
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(KEY).baseUrl(baseUrl()).maxRetries(0).build();
        try {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage(PROMPT)
                    .temperature(0.0)
                    .maxCompletionTokens(TOKENS)
                    .build();
            ChatCompletion c = client.chat().completions().create(params);
            assertEquals(expected, c.choices().getFirst().message().content().orElseThrow());
            assertEquals(s.model.name(), c.model());
            assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().getFirst().finishReason());
            assertEquals(TOKENS, c.usage().orElseThrow().completionTokens());

            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(
                        choice -> choice.delta().content().ifPresent(streamed::append)));
            }
            assertEquals(expected, streamed.toString());
        } finally {
            client.close();
        }
    }

    @Test
    void langChain4jOpenAiModule() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey(KEY).modelName("gpt-4o-mini")
                .temperature(0.0).maxTokens(TOKENS).maxRetries(0).build();
        assertEquals(expected, chat.chat(PROMPT));

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey(KEY)
                .modelName("gpt-4o-mini").temperature(0.0).maxTokens(TOKENS).build();
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(PROMPT, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                parts.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, parts.toString());
        assertEquals(expected, response.aiMessage().text());
        assertTrue(parts.length() > 0);
    }
}
