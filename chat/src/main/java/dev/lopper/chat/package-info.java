/**
 * Chat messages and the templates that turn them into prompt text: built-in formats ({@link
 * dev.lopper.chat.BuiltinTemplate}), a GGUF's own Jinja template ({@link
 * dev.lopper.chat.JinjaTemplate}), the choice between them ({@link dev.lopper.chat.ChatTemplates}) and
 * a saveable chat session ({@link dev.lopper.chat.Conversation}); and {@link dev.lopper.chat.ChatSession}, which runs a
 * conversation on a model loaded with {@code dev.lopper.engine.Lopper}.
 */
package dev.lopper.chat;
