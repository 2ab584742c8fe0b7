/** Block removal: layer importance by the perplexity criterion, GGUF rewrite with renumbering and per-layer arrays. */
package dev.lopper.prune;
