package dev.lopper.convert.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.convert.gptq.GptqSettings;
import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.FormatException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a folder says how it was quantized, first found wins: {@code quantize_config.json} (AutoGPTQ, GPTQModel),
 * {@code config.json}'s {@code quantization_config} (transformers), or the custom keys {@code quant_bits},
 * {@code quant_groupsize}, {@code quant_layers} of GPTQ-for-LLaMa checkpoints such as the WVU ones (v1 packing).
 * A {@code quant_method} other than {@code gptq} (AWQ, bitsandbytes, EXL2, FP8, ...) or a checkpoint format other than
 * {@code gptq} / {@code gptq_v2} (Marlin, BitBLAS, ...) is refused with an error naming it.
 */
public final class QuantizationConfig {
    private QuantizationConfig() {
    }

    /** The GPTQ settings, or empty for an unquantized checkpoint. */
    public static Optional<GptqSettings> read(Path dir, HfConfig config) throws IOException {
        Optional<JsonNode> qc = JsonFiles.readOptional(dir.resolve("quantize_config.json"));
        if (qc.isPresent()) {
            return Optional.of(settings(qc.get(), "quantize_config.json"));
        }
        JsonNode q = config.root().get("quantization_config");
        if (q != null && q.isObject()) {
            return Optional.of(settings(q, "config.json quantization_config"));
        }
        if (config.root().has("quant_bits") || config.root().has("quant_groupsize")) {
            int bits = config.optInt("quant_bits").orElse(4);
            int gs = config.optInt("quant_groupsize").orElse(-1);
            return Optional.of(new GptqSettings(bits, gs, false, false, false, "config.json quant_bits/quant_groupsize"));
        }
        return Optional.empty();
    }

    private static GptqSettings settings(JsonNode q, String source) throws CheckpointFormatException {
        String file = source.startsWith("config.json") ? "config.json" : source;
        String method = HfConfig.text(q, "quant_method");
        if (method != null && !method.equalsIgnoreCase("gptq")) {
            throw new CheckpointFormatException(file, "quantization format " + FormatException.quote(method)
                    + " is not supported (only GPTQ)");
        }
        if (method == null && (q.has("zero_point") || q.has("w_bit") || q.has("q_group_size"))) {
            throw new CheckpointFormatException(file, "quantization format 'awq' is not supported (only GPTQ)");
        }
        String format = HfConfig.text(q, "checkpoint_format");
        boolean v2;
        if (format == null || format.equals("gptq")) {
            v2 = false;
        } else if (format.equals("gptq_v2")) {
            v2 = true;
        } else {
            throw new CheckpointFormatException(file, "GPTQ checkpoint_format " + FormatException.quote(format)
                    + " is not supported (gptq, gptq_v2)");
        }
        JsonNode bits = q.get("bits");
        JsonNode gs = q.get("group_size");
        if (bits == null || !bits.isIntegralNumber()) {
            throw new CheckpointFormatException(file, "GPTQ settings have no integer 'bits'");
        }
        int group = gs == null || gs.isNull() ? -1 : gs.asInt(-1);
        if (group == 0 || group < -1) {
            throw new CheckpointFormatException(file, "group_size " + gs + " is not a group size");
        }
        return new GptqSettings(bits.asInt(), group, q.path("desc_act").asBoolean(false), q.path("sym").asBoolean(false),
                v2, source);
    }
}
