package dev.lopper.chat;

import java.util.Locale;
import java.util.Objects;

/** One chat message. {@code content} is the text as typed or generated, without any template markup. */
public record Message(Role role, String content) {

    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The role as chat templates spell it: {@code "system"}, {@code "user"}, {@code "assistant"}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a {@link #wireName()} (case-insensitive). */
        public static Role parse(String name) {
            for (Role r : values()) {
                if (r.name().equalsIgnoreCase(name)) {
                    return r;
                }
            }
            throw new IllegalArgumentException(
                    "unknown message role '" + name + "' (expected system, user or assistant)");
        }
    }

    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
