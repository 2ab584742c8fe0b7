package dev.lopper.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.chat.Message;
import dev.lopper.engine.sampling.SamplingParams;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One {@code /v1/chat/completions} or {@code /v1/completions} request, checked field by field. Unknown fields are
 * ignored, as OpenAI's clients expect; what Lopper cannot honour ({@code n > 1}, tools, logprobs) is refused with a
 * 400 naming the field rather than silently dropped.
 *
 * @param messages     the chat, for chat completions; null for completions
 * @param prompt       the text to continue, for completions; null for chat completions
 * @param maxTokens    {@code max_completion_tokens} or {@code max_tokens}; null for "as many as fit"
 * @param stop         stop strings, besides the template's
 * @param includeUsage {@code stream_options.include_usage}
 */
record CompletionRequest(List<Message> messages, String prompt, SamplingParams sampling, Integer maxTokens,
                         List<String> stop, boolean stream, boolean includeUsage) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request body as a JSON object, or a 400 saying why it is not one. */
    static JsonNode json(byte[] bytes) {
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) { // CharConversionException: Jackson took the first bytes for UTF-32, then met a bad one
            throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage(), null);
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object", null);
        }
        return body;
    }

    static CompletionRequest chat(JsonNode body) {
        JsonNode list = required(body, "messages");
        if (!list.isArray() || list.isEmpty()) {
            throw ApiException.badRequest("'messages' must be a non-empty array", "messages");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.badRequest("'" + where + "' must be an object", where);
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiException.badRequest("'" + where + ".role' must be a string", where + ".role");
            }
            Message.Role parsed = switch (role.asText()) {
                case "system", "developer" -> Message.Role.SYSTEM;
                case "user" -> Message.Role.USER;
                case "assistant" -> Message.Role.ASSISTANT;
                default -> throw ApiException.badRequest("unknown role " + quote(role.asText()) + " in " + where
                        + " (system, developer, user, assistant)", where + ".role");
            };
            messages.add(new Message(parsed, content(m.get("content"), where + ".content")));
        }
        return common(body, messages, null);
    }

    static CompletionRequest completion(JsonNode body) {
        JsonNode p = required(body, "prompt");
        String prompt;
        if (p.isTextual()) {
            prompt = p.asText();
        } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            prompt = p.get(0).asText();
        } else {
            throw ApiException.badRequest("'prompt' must be a string (or an array of one string)", "prompt");
        }
        return common(body, null, prompt);
    }

    private static CompletionRequest common(JsonNode body, List<Message> messages, String prompt) {
        Integer n = integer(body, "n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw ApiException.badRequest("'n' must be 1: one choice per request is supported", "n");
        }
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
            throw ApiException.badRequest("'tools' are not supported", "tools");
        }
        JsonNode functions = body.get("functions");
        if (functions != null && !functions.isNull() && !(functions.isArray() && functions.isEmpty())) {
            throw ApiException.badRequest("'functions' are not supported", "functions");
        }
        JsonNode logprobs = body.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
            throw ApiException.badRequest("'logprobs' are not supported", "logprobs");
        }
        JsonNode topLogprobs = body.get("top_logprobs");
        if (topLogprobs != null && !topLogprobs.isNull()) {
            throw ApiException.badRequest("'top_logprobs' are not supported", "top_logprobs");
        }
        Long seed = longValue(body, "seed");
        SamplingParams sampling = SamplingParams.defaults(seed != null ? seed : new SplittableRandom().nextLong());
        Double temperature = number(body, "temperature", 0, 2);
        if (temperature != null) {
            sampling = sampling.withTemperature(temperature.floatValue());
        }
        Double topP = number(body, "top_p", 0, 1);
        if (topP != null) {
            sampling = sampling.withTopP(topP.floatValue());
        }
        Double presence = number(body, "presence_penalty", -2, 2);
        if (presence != null) {
            sampling = sampling.withPresencePenalty(presence.floatValue());
        }
        Double frequency = number(body, "frequency_penalty", -2, 2);
        if (frequency != null) {
            sampling = sampling.withFrequencyPenalty(frequency.floatValue());
        }
        Integer maxTokens = integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.badRequest("'stream_options' must be an object", "stream_options");
            }
            includeUsage = bool(options, "include_usage");
        }
        return new CompletionRequest(messages, prompt, sampling, maxTokens, stops(body.get("stop")), stream,
                includeUsage);
    }

    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                JsonNode type = part.get("type");
                JsonNode t = part.get("text");
                if (!part.isObject() || type == null || !"text".equals(type.asText()) || t == null || !t.isTextual()) {
                    throw ApiException.badRequest("'" + where + "[" + i + "]' must be a text part "
                            + "{\"type\": \"text\", \"text\": ...}: only text is supported", where);
                }
                text.append(t.asText());
            }
            return text.toString();
        }
        throw ApiException.badRequest("'" + where + "' must be a string or an array of text parts", where);
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return stop.asText().isEmpty() ? List.of() : List.of(stop.asText());
        }
        if (stop.isArray() && stop.size() <= 16) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("'stop' must be a string or an array of strings", "stop");
                }
                if (!s.asText().isEmpty()) {
                    out.add(s.asText());
                }
            }
            return out;
        }
        throw ApiException.badRequest("'stop' must be a string or an array of at most 16 strings", "stop");
    }

    private static JsonNode required(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            throw ApiException.badRequest("'" + field + "' is required", field);
        }
        return v;
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("'" + field + "' must be a boolean", field);
        }
        return v.asBoolean();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest("'" + field + "' must be a number", field);
        }
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw ApiException.badRequest("'" + field + "' must be in [" + fmt(min) + ", " + fmt(max) + "], got "
                    + v.asText(), field);
        }
        return d;
    }

    private static Integer integer(JsonNode body, String field, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.badRequest("'" + field + "' must be an integer", field);
        }
        int i = v.asInt();
        if (i < min || i > max) {
            throw ApiException.badRequest("'" + field + "' must be at least " + min + ", got " + i, field);
        }
        return i;
    }

    private static Long longValue(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badRequest("'" + field + "' must be an integer", field);
        }
        return v.asLong();
    }

    /**
     * A client's text quoted for a one-line error: control and line-separator characters escaped, cut after 64
     * characters.
     */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder("'");
        int n = Math.min(text.length(), 64);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(n < text.length() ? "...'" : "'").toString();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
