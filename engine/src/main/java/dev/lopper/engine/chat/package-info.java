/**
 * Chat messages and the templates that turn them into prompt text: built-in formats ({@link
 * dev.lopper.engine.chat.BuiltinTemplate}), a GGUF's own Jinja template ({@link
 * dev.lopper.engine.chat.JinjaTemplate}), the choice between them ({@link dev.lopper.engine.chat.ChatTemplates}) and
 * a saveable chat session ({@link dev.lopper.engine.chat.Conversation}). Pure logic: no model, no tokenizer.
 */
package dev.lopper.engine.chat;
