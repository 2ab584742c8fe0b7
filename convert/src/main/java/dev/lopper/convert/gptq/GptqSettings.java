package dev.lopper.convert.gptq;

/**
 * How a checkpoint's GPTQ tensors were quantized.
 *
 * @param bits      bits per weight (only 4 is converted)
 * @param groupSize input columns per group, or -1 for one group per row
 * @param descAct   whether act-order was used (the g_idx of each tensor is what counts; this is informational)
 * @param sym       whether the zero points are all 2^(bits-1) (again each tensor's zeros are what counts)
 * @param v2        true for the "gptq_v2" packing (zeros stored as is), false for v1 (stored as zero − 1)
 * @param source    where the settings came from, for messages (e.g. {@code quantize_config.json})
 */
public record GptqSettings(int bits, int groupSize, boolean descAct, boolean sym, boolean v2, String source) {
}
