package dev.lopper.convert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.convert.gptq.GptqSettings;
import dev.lopper.convert.gptq.GptqTensor;
import dev.lopper.convert.hf.HfConfig;
import dev.lopper.convert.io.CheckpointFormatException;
import dev.lopper.convert.io.Dtype;
import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;
import dev.lopper.convert.io.TensorReader;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufMetadata;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a Hugging Face LLaMA checkpoint onto llama.cpp's GGUF layout (convert_hf_to_gguf.py's {@code LlamaModel} and
 * gguf-py's tensor map): tensor names, shapes (reversed: ne0 first), q/k rows permuted from rotate-half to adjacent
 * pairs, per-layer head counts and ffn sizes as arrays when layers differ, tied embeddings (no {@code output}), the
 * {@code llama.*} metadata. Every tensor's shape is checked against the config and its layer's other tensors.
 */
final class LlamaPlan {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d{1,6})\\.(.+)");
    private static final Map<String, String> LAYER_MODULES = Map.of(
            "input_layernorm", "attn_norm", "self_attn.q_proj", "attn_q", "self_attn.k_proj", "attn_k",
            "self_attn.v_proj", "attn_v", "self_attn.o_proj", "attn_output", "post_attention_layernorm", "ffn_norm",
            "mlp.gate_proj", "ffn_gate", "mlp.up_proj", "ffn_up", "mlp.down_proj", "ffn_down");
    private static final List<String> LAYER_ORDER = List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
            "ffn_norm", "ffn_gate", "ffn_up", "ffn_down");
    private static final Map<String, String> GLOBAL_MODULES = Map.of("model.embed_tokens", "token_embd",
            "model.norm", "output_norm", "lm_head", "output");
    private static final List<String> PARTS = List.of("weight", "qweight", "qzeros", "scales", "g_idx", "bias");

    final List<PlannedTensor> tensors;
    final GgufMetadata.Builder metadata;

    private LlamaPlan(List<PlannedTensor> tensors, GgufMetadata.Builder metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** A module of the checkpoint: its float weight or its GPTQ parts. */
    private record Module(String hfName, Map<String, StoredTensor> parts) {
        boolean gptq() {
            return parts.containsKey("qweight");
        }
    }

    /** A module resolved: float tensor or loaded GPTQ metadata, with its HF shape [out, in] or [n]. */
    private record Resolved(String hfName, StoredTensor flt, GptqTensor gptq, long[] hfShape) {
    }

    static LlamaPlan build(String modelName, HfConfig cfg, Map<String, StoredTensor> all, Optional<GptqSettings> gptq,
                           OutType outType, TensorReader reader, List<String> notes) throws IOException {
        Map<String, Module> modules = group(all);
        GptqSettings settings = gptq.orElse(null);
        if (settings == null && modules.values().stream().anyMatch(Module::gptq)) {
            settings = new GptqSettings(4, -1, false, false, false, "defaults (no GPTQ settings found)");
            notes.add("GPTQ tensors without quantize_config.json or quantization_config: assuming 4-bit, v1 packing, "
                    + "group size from the scales' shape");
        }
        Map<String, Resolved> global = new LinkedHashMap<>();
        TreeMap<Integer, Map<String, Resolved>> layers = new TreeMap<>();
        for (Module m : modules.values()) {
            Resolved r = resolve(m, settings, reader);
            String g = GLOBAL_MODULES.get(m.hfName());
            if (g != null) {
                global.put(g, r);
                continue;
            }
            Matcher lm = LAYER.matcher(m.hfName());
            String gg = lm.matches() ? LAYER_MODULES.get(lm.group(2)) : null;
            if (gg == null) {
                throw new CheckpointFormatException(fileOf(m), "tensor " + FormatException.quote(anyName(m))
                        + " is not part of a LLaMA checkpoint");
            }
            layers.computeIfAbsent(Integer.parseInt(lm.group(1)), k -> new LinkedHashMap<>()).put(gg, r);
        }

        int dim = cfg.hiddenSize();
        int hd = cfg.headDim();
        Resolved embd = require(global, "token_embd", "model.embed_tokens.weight", all);
        Resolved norm = require(global, "output_norm", "model.norm.weight", all);
        long nVocabL = embd.hfShape()[0];
        checkShape(embd, nVocabL, dim);
        checkShape(norm, dim);
        int nVocab = Math.toIntExact(nVocabL);
        var cfgVocab = cfg.optInt("vocab_size");
        if (cfgVocab.isPresent() && cfgVocab.getAsInt() != nVocab) {
            throw new CheckpointFormatException("config.json", "vocab_size " + cfgVocab.getAsInt()
                    + " but model.embed_tokens.weight has " + nVocab + " rows");
        }
        Resolved output = global.get("output");
        if (output != null) {
            checkShape(output, nVocab, dim);
        } else if (!cfg.tieWordEmbeddings()) {
            notes.add("no lm_head.weight: the output layer is tied to the token embedding");
        }

        int blockCount = cfg.layers();
        if (!layers.isEmpty() && layers.lastKey() >= blockCount) {
            throw new CheckpointFormatException("config.json", "num_hidden_layers is " + blockCount
                    + " but the checkpoint has layer " + layers.lastKey());
        }
        int[] heads = new int[blockCount];
        int[] kvHeads = new int[blockCount];
        int[] ffn = new int[blockCount];
        Arrays.fill(heads, cfg.heads());
        Arrays.fill(kvHeads, cfg.kvHeads());
        Arrays.fill(ffn, cfg.intermediateSize());
        for (var e : layers.entrySet()) {
            int b = e.getKey();
            Map<String, Resolved> l = e.getValue();
            for (String part : LAYER_ORDER) {
                if (!l.containsKey(part)) {
                    String hf = LAYER_MODULES.entrySet().stream().filter(x -> x.getValue().equals(part)).findFirst()
                            .orElseThrow().getKey();
                    throw new CheckpointFormatException(firstFile(all), "tensor 'model.layers." + b + "." + hf
                            + ".weight' is missing (layer " + b + " has other tensors)");
                }
            }
            long qRows = rows(l.get("attn_q"));
            long kRows = rows(l.get("attn_k"));
            long fRows = rows(l.get("ffn_gate"));
            if (qRows % hd != 0 || kRows % hd != 0 || kRows == 0 || qRows % kRows != 0) {
                throw new CheckpointFormatException(fileOf(l.get("attn_q")), "layer " + b + ": q_proj has " + qRows
                        + " rows and k_proj " + kRows + ": not whole heads of " + hd + " with q a multiple of k");
            }
            heads[b] = (int) (qRows / hd);
            kvHeads[b] = (int) (kRows / hd);
            ffn[b] = Math.toIntExact(fRows);
            checkShape(l.get("attn_norm"), dim);
            checkShape(l.get("ffn_norm"), dim);
            checkShape(l.get("attn_q"), qRows, dim);
            checkShape(l.get("attn_k"), kRows, dim);
            checkShape(l.get("attn_v"), kRows, dim);
            checkShape(l.get("attn_output"), dim, qRows);
            checkShape(l.get("ffn_gate"), fRows, dim);
            checkShape(l.get("ffn_up"), fRows, dim);
            checkShape(l.get("ffn_down"), dim, fRows);
        }

        // --outtype auto: the first float matrix's type decides, as llama.cpp does (fp16 → F16, else BF16).
        GgmlType autoFloat = all.values().stream().filter(t -> t.dtype().isFloat() && t.rank() == 2).findFirst()
                .map(t -> t.dtype() == Dtype.F16 ? GgmlType.F16 : GgmlType.BF16).orElse(GgmlType.F16);

        List<PlannedTensor> out = new ArrayList<>();
        out.add(plan("token_embd.weight", embd, 0, outType, autoFloat, notes));
        float[] ropeFreqs = ropeFreqs(cfg, notes);
        if (ropeFreqs != null) {
            out.add(new PlannedTensor("rope_freqs.weight", GgmlType.F32, new long[]{ropeFreqs.length},
                    new PlannedTensor.Generated(ropeFreqs), 0, "llama3 rope_scaling"));
        }
        for (var e : layers.entrySet()) {
            for (String part : LAYER_ORDER) {
                int permute = part.equals("attn_q") || part.equals("attn_k") ? hd : 0;
                out.add(plan("blk." + e.getKey() + "." + part + ".weight", e.getValue().get(part), permute, outType,
                        autoFloat, notes));
            }
        }
        out.add(plan("output_norm.weight", norm, 0, outType, autoFloat, notes));
        if (output != null) {
            out.add(plan("output.weight", output, 0, outType, autoFloat, notes));
        }

        GgufMetadata.Builder md = GgufMetadata.builder()
                .putString("general.architecture", "llama")
                .putString("general.type", "model")
                .putString("general.name", modelName)
                .putUint32("llama.block_count", blockCount);
        var ctx = cfg.optInt("max_position_embeddings");
        if (ctx.isPresent()) {
            md.putUint32("llama.context_length", ctx.getAsInt());
        }
        md.putUint32("llama.embedding_length", dim);
        perLayer(md, "llama.feed_forward_length", ffn, cfg.intermediateSize(), layers);
        perLayer(md, "llama.attention.head_count", heads, cfg.heads(), layers);
        perLayer(md, "llama.attention.head_count_kv", kvHeads, cfg.kvHeads(), layers);
        var theta = cfg.optDouble("rope_theta");
        if (theta.isPresent()) {
            md.putFloat32("llama.rope.freq_base", (float) theta.getAsDouble());
        }
        var eps = cfg.optDouble("rms_norm_eps");
        if (eps.isPresent()) {
            md.putFloat32("llama.attention.layer_norm_rms_epsilon", (float) eps.getAsDouble());
        }
        boolean headsVary = layers.keySet().stream().anyMatch(b -> heads[b] != cfg.heads());
        if (cfg.root().has("head_dim") || headsVary || (long) hd * cfg.heads() != dim) {
            // with per-layer head counts the head size cannot be derived from embedding_length / head_count
            md.putUint32("llama.attention.key_length", hd).putUint32("llama.attention.value_length", hd);
        }
        md.putUint32("general.file_type", fileType(out, outType));
        md.putUint32("llama.vocab_size", nVocab);
        md.putUint32("llama.rope.dimension_count", hd);
        JsonNode rs = cfg.ropeScaling();
        if (rs.has("factor") && "linear".equals(HfConfig.text(rs, "type") != null ? HfConfig.text(rs, "type")
                : HfConfig.text(rs, "rope_type"))) {
            md.putString("llama.rope.scaling.type", "linear");
            md.putFloat32("llama.rope.scaling.factor", (float) rs.get("factor").asDouble());
        }
        if (out.stream().anyMatch(t -> t.type().blockSize() > 1)) {
            md.putUint32("general.quantization_version", 2);
        }
        return new LlamaPlan(out, md);
    }

    private static Map<String, Module> group(Map<String, StoredTensor> all) throws CheckpointFormatException {
        Map<String, Module> modules = new LinkedHashMap<>();
        for (StoredTensor t : all.values()) {
            String n = t.name();
            if (n.endsWith(".rotary_emb.inv_freq")) {
                continue;
            }
            int dot = n.lastIndexOf('.');
            String part = dot < 0 ? "" : n.substring(dot + 1);
            if (!PARTS.contains(part)) {
                throw new CheckpointFormatException(t.file().getFileName().toString(), "tensor "
                        + FormatException.quote(n) + " is not part of a LLaMA checkpoint");
            }
            modules.computeIfAbsent(n.substring(0, dot), k -> new Module(k, new LinkedHashMap<>())).parts().put(part, t);
        }
        return modules;
    }

    private static Resolved resolve(Module m, GptqSettings settings, TensorReader reader) throws IOException {
        Map<String, StoredTensor> p = m.parts();
        String file = fileOf(m);
        if (m.gptq()) {
            if (p.containsKey("weight")) {
                throw new CheckpointFormatException(file, "module " + FormatException.quote(m.hfName())
                        + " has both a weight and a GPTQ qweight");
            }
            for (String need : List.of("qzeros", "scales")) {
                if (!p.containsKey(need)) {
                    throw new CheckpointFormatException(file, "tensor " + FormatException.quote(m.hfName() + "." + need)
                            + " is missing (its module has a qweight)");
                }
            }
            GptqTensor g = GptqTensor.load(m.hfName(), p.get("qweight"), p.get("qzeros"), p.get("scales"),
                    p.get("g_idx"), p.get("bias"), settings, reader);
            return new Resolved(m.hfName(), null, g, new long[]{g.out(), g.in()});
        }
        StoredTensor w = p.get("weight");
        if (w == null) {
            throw new CheckpointFormatException(file, "tensor " + FormatException.quote(m.hfName() + ".weight")
                    + " is missing (found " + FormatException.quote(anyName(m)) + ")");
        }
        for (String part : p.keySet()) {
            if (!part.equals("weight") && !part.equals("bias")) {
                throw new CheckpointFormatException(file, "tensor " + FormatException.quote(m.hfName() + "." + part)
                        + " belongs to GPTQ but its module has no qweight");
            }
        }
        if (!w.dtype().isFloat() || w.rank() < 1 || w.rank() > 2) {
            throw new CheckpointFormatException(file, "tensor " + FormatException.quote(w.name()) + " is "
                    + w.dtype() + " " + w.shapeText() + ", expected a float vector or matrix");
        }
        if (p.containsKey("bias")) {
            GptqTensor.checkZeroBias(p.get("bias"), Math.toIntExact(w.dim(0)), reader);
        }
        return new Resolved(m.hfName(), w, null, w.shape());
    }

    private static PlannedTensor plan(String name, Resolved r, int headDim, OutType outType, GgmlType autoFloat,
                                      List<String> notes) {
        long[] hf = r.hfShape();
        long[] shape = hf.length == 1 ? new long[]{hf[0]} : new long[]{hf[1], hf[0]};
        if (r.gptq() != null) {
            GptqTensor g = r.gptq();
            String src = "GPTQ 4-bit g" + g.groupSize() + (g.symmetric() ? " sym" : " asym")
                    + (g.actOrder() ? " act-order" : "");
            GgmlType want = outType.type();
            boolean exact;
            GgmlType type;
            if (want == null) {
                exact = g.mapsToBlocks();
                type = exact ? (g.symmetric() ? GgmlType.Q4_0 : GgmlType.Q4_1) : GgmlType.Q8_0;
            } else {
                type = want;
                exact = g.mapsToBlocks() && (want == GgmlType.Q4_1 || (want == GgmlType.Q4_0 && g.symmetric()));
            }
            if (!exact && shape[0] % type.blockSize() != 0) {
                type = GgmlType.F16;
            }
            return new PlannedTensor(name, type, shape, new PlannedTensor.FromGptq(g, exact), headDim, src);
        }
        StoredTensor t = r.flt();
        GgmlType type;
        if (shape.length == 1 || name.endsWith("_norm.weight")) {
            type = GgmlType.F32;
        } else {
            type = outType.type() == null ? autoFloat : outType.type();
            if (shape[0] % type.blockSize() != 0) {
                notes.add(name + ": rows of " + shape[0] + " are not a multiple of " + type.blockSize() + "; written as F16");
                type = GgmlType.F16;
            }
        }
        return new PlannedTensor(name, type, shape, new PlannedTensor.FromFloat(t), headDim, t.dtype().name());
    }

    /** llama.cpp's {@code generate_extra_tensors}: per-frequency factors for rope_type llama3, else null. */
    private static float[] ropeFreqs(HfConfig cfg, List<String> notes) throws CheckpointFormatException {
        JsonNode rs = cfg.ropeScaling();
        if (rs.isMissingNode()) {
            return null;
        }
        String type = HfConfig.text(rs, "rope_type") != null ? HfConfig.text(rs, "rope_type") : HfConfig.text(rs, "type");
        if (type == null || type.equals("linear") || type.equals("default")) {
            return null;
        }
        if (!type.equalsIgnoreCase("llama3")) {
            notes.add("config.json rope_scaling type " + type + " is not written (llama.cpp's llama converter "
                    + "writes linear and llama3 only)");
            return null;
        }
        double base = cfg.optDouble("rope_theta").orElse(10000.0);
        int dim = cfg.headDim();
        double factor = rs.path("factor").asDouble(8.0);
        double low = rs.path("low_freq_factor").asDouble(1.0);
        double high = rs.path("high_freq_factor").asDouble(4.0);
        double oldCtx = rs.path("original_max_position_embeddings").asDouble(8192);
        double lowWavelen = oldCtx / low;
        double highWavelen = oldCtx / high;
        if (lowWavelen == highWavelen) {
            throw new CheckpointFormatException("config.json", "rope_scaling low_freq_factor equals high_freq_factor");
        }
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float freq = (float) (1.0 / Math.pow(base, (float) (2 * i) / dim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                out[i] = 1;
            } else if (wavelen > lowWavelen) {
                out[i] = (float) factor;
            } else {
                double smooth = (oldCtx / wavelen - low) / (high - low);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    private static void perLayer(GgufMetadata.Builder md, String key, int[] values, int scalar,
                                 TreeMap<Integer, Map<String, Resolved>> layers) {
        boolean same = layers.keySet().stream().allMatch(b -> values[b] == scalar);
        if (same) {
            md.putUint32(key, scalar);
        } else {
            md.putInt32Array(key, values);
        }
    }

    private static int fileType(List<PlannedTensor> out, OutType outType) {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (PlannedTensor t : out) {
            if (t.shape().length == 2) {
                bytes.merge(t.type(), t.byteSize(), Long::sum);
            }
        }
        GgmlType main = outType.type() != null ? outType.type()
                : bytes.entrySet().stream().filter(e -> e.getKey().blockSize() > 1).max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(bytes.keySet().stream().findFirst().orElse(GgmlType.F32));
        return switch (main) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> 1;
        };
    }

    private static Resolved require(Map<String, Resolved> global, String key, String hf, Map<String, StoredTensor> all)
            throws CheckpointFormatException {
        Resolved r = global.get(key);
        if (r == null) {
            throw new CheckpointFormatException(firstFile(all), "tensor " + FormatException.quote(hf) + " is missing");
        }
        return r;
    }

    private static long rows(Resolved r) {
        return r.hfShape()[0];
    }

    private static void checkShape(Resolved r, long... expect) throws CheckpointFormatException {
        if (!Arrays.equals(r.hfShape(), expect)) {
            String name = r.flt() != null ? r.flt().name() : r.hfName() + ".qweight";
            throw new CheckpointFormatException(fileOf(r), "tensor " + FormatException.quote(name) + " has shape "
                    + Arrays.toString(r.hfShape()) + (r.gptq() != null ? " (out, in; from GPTQ)" : "")
                    + ", expected " + Arrays.toString(expect) + " from config.json and the other tensors");
        }
    }

    private static String fileOf(Resolved r) {
        return r.flt() != null ? r.flt().file().getFileName().toString() : "checkpoint";
    }

    private static String fileOf(Module m) {
        return m.parts().values().iterator().next().file().getFileName().toString();
    }

    private static String anyName(Module m) {
        return m.parts().values().iterator().next().name();
    }

    private static String firstFile(Map<String, StoredTensor> all) {
        return all.isEmpty() ? "checkpoint" : all.values().iterator().next().file().getFileName().toString();
    }
}
