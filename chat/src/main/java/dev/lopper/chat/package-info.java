/** Conversations: chat templates (built-ins, Jinjava), Conversation, ChatSession. */
package dev.lopper.chat;
