/** An OpenAI-compatible HTTP server with slots, a bounded queue and a chat page. */
package dev.lopper.server;
