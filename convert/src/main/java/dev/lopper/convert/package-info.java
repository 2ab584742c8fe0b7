/** Other formats to GGUF: Hugging Face folders (safetensors, torch zip + pickle), GPTQ, SentencePiece, quantize and llama.cpp's mixes. */
package dev.lopper.convert;
