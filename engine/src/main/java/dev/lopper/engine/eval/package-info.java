/**
 * Evaluation of a model on a text, the way {@code llama-perplexity} does it: perplexity over chunks of the context
 * size scored on their second half ({@link Perplexity}), a model's log-probabilities saved for later comparison
 * ({@link LogProbFile}) and the KL divergence of another model from them ({@link KlDivergence}), and the perplexity
 * of the model with each of its blocks left out in turn ({@link BlockAblation}).
 */
package dev.lopper.engine.eval;
