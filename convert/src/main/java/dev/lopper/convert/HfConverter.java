package dev.lopper.convert;

import dev.lopper.convert.gptq.GptqSettings;
import dev.lopper.convert.hf.CheckpointFiles;
import dev.lopper.convert.hf.HfConfig;
import dev.lopper.convert.hf.QuantizationConfig;
import dev.lopper.convert.hf.Vocabulary;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.convert.io.TensorReader;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Converts a Hugging Face LLaMA folder into a GGUF file that Lopper and llama.cpp load.
 *
 * <p>Reads {@code config.json}, the weights ({@code model.safetensors}, sharded safetensors with
 * {@code model.safetensors.index.json}, {@code pytorch_model.bin} or its shards with
 * {@code pytorch_model.bin.index.json}: the zip + pickle format of {@code torch.save}, through a restricted
 * unpickler), the tokenizer ({@code tokenizer.model} or {@code tokenizer.json}, with {@code tokenizer_config.json},
 * {@code special_tokens_map.json}, {@code added_tokens.json}) and GPTQ settings ({@code quantize_config.json},
 * {@code quantization_config}, or GPTQ-for-LLaMa's {@code quant_*} keys). GPTQ modules ({@code qweight},
 * {@code qzeros}, {@code scales}, {@code g_idx}) are detected per tensor and may sit next to float ones.
 *
 * <p>One tensor is read, converted and written at a time; memory stays at about the largest output tensor plus a
 * few MB. The file is written to a temporary file in {@code out}'s folder and renamed onto {@code out} only when
 * complete (replacing it if it exists: callers that must not overwrite check first); a failed run leaves nothing.
 * The input folder is only read.
 *
 * <p>Errors are {@link IOException}s with a one-line message naming the file and the tensor or key:
 * {@link dev.lopper.convert.io.FormatException} subclasses for malformed or unsupported input.
 */
public final class HfConverter {
    private HfConverter() {
    }

    /**
     * Converts {@code hfDir} into {@code out}.
     *
     * @param hfDir    the Hugging Face model folder
     * @param out      the GGUF file to write (its folder must exist)
     * @param outType  the matrices' type ({@link OutType#AUTO} keeps float types and maps GPTQ exactly)
     * @param listener progress after each tensor ({@link ConvertListener#NONE} for none)
     * @return what was written, with each tensor's largest error against the source values
     */
    public static ConversionReport convert(Path hfDir, Path out, OutType outType, ConvertListener listener)
            throws IOException {
        Objects.requireNonNull(outType, "outType");
        ConvertListener progress = listener == null ? ConvertListener.NONE : listener;
        long t0 = System.nanoTime();
        if (!Files.isDirectory(hfDir)) {
            throw Files.exists(hfDir) ? new IOException(hfDir + " is not a folder")
                    : new NoSuchFileException(hfDir.toString());
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(parent), null, "the output's folder does not exist");
        }
        HfConfig config = HfConfig.read(hfDir);
        Map<String, StoredTensor> tensors = CheckpointFiles.read(hfDir);
        Optional<GptqSettings> gptq = QuantizationConfig.read(hfDir, config);
        List<String> notes = new ArrayList<>();
        String name = hfDir.toAbsolutePath().normalize().getFileName() == null ? "model"
                : hfDir.toAbsolutePath().normalize().getFileName().toString();
        List<ConversionReport.TensorReport> written = new ArrayList<>();
        try (TensorReader reader = new TensorReader(); TensorEncoder encoder = new TensorEncoder(reader)) {
            LlamaPlan plan = LlamaPlan.build(name, config, tensors, gptq, outType, reader, notes);
            int nVocab = Math.toIntExact(plan.tensors.getFirst().shape()[1]);
            GgufMetadata.Builder md = plan.metadata;
            Vocabulary.add(hfDir, nVocab, config, md, notes);
            long total = plan.tensors.stream().mapToLong(PlannedTensor::byteSize).sum();
            int count = plan.tensors.size();
            long[] done = {0};
            List<GgufWriter.TensorEntry> entries = new ArrayList<>(count);
            for (PlannedTensor p : plan.tensors) {
                entries.add(new GgufWriter.TensorEntry(p.name(), p.type(), p.shape(), () -> {
                    var seg = encoder.encode(p);
                    done[0] += p.byteSize();
                    written.add(new ConversionReport.TensorReport(p.name(), p.sourceText(), p.type(), p.shape(),
                            encoder.lastError(), p.source() instanceof PlannedTensor.FromGptq g && g.exact()));
                    progress.tensorDone(p.name(), written.size(), count, done[0], total);
                    return seg;
                }));
            }
            GgufWriter.write(out, 3, md.build(), entries);
        }
        return new ConversionReport(out, outType, written, notes, Files.size(out), System.nanoTime() - t0);
    }
}
