/**
 * Choosing the next token from logits ({@link dev.lopper.engine.sampling.Sampler} with {@link
 * dev.lopper.engine.sampling.SamplingParams}) and cutting generated text at stop strings ({@link
 * dev.lopper.engine.sampling.StopStringMatcher}). Pure logic: no model, no tokenizer.
 */
package dev.lopper.engine.sampling;
