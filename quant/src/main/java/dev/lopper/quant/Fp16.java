package dev.lopper.quant;

/**
 * The two 16-bit float formats of GGUF tensors, as raw {@code short} bits: IEEE 754 binary16 ({@code ggml_half})
 * and bfloat16 ({@code ggml_bf16_t}, the top half of a float32).
 */
public final class Fp16 {

    private Fp16() {
    }

    /** IEEE half bits → float (exact). */
    public static float toFloat(short half) {
        return Float.float16ToFloat(half);
    }

    /** float → IEEE half bits, rounding to nearest even (as ggml's GGML_FP32_TO_FP16). */
    public static short fromFloat(float value) {
        return Float.floatToFloat16(value);
    }

    /** bfloat16 bits → float (exact). */
    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat(bf16 << 16);
    }

    /** float → bfloat16 bits, rounding to nearest even; NaN stays a quiet NaN (ggml_compute_fp32_to_bf16). */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
