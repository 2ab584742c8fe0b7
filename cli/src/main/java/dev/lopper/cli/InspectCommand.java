package dev.lopper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.engine.model.BlockLayout;
import dev.lopper.engine.model.BlockRanges;
import dev.lopper.gguf.GgmlType;
import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.GgufMetadata;
import dev.lopper.gguf.MetadataValue;
import dev.lopper.gguf.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lopper inspect MODEL [--json]}: metadata, tensor table and a summary of a GGUF file. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a GGUF file's metadata, tensors, parameter count and which blocks are present.")
public final class InspectCommand implements Callable<Integer> {
    private static final int SHOWN_ELEMENTS = 8;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "The GGUF file, or a Hugging Face folder (converted once into the cache).")
    Path model;

    @Mixin
    CacheOption cache;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--full-arrays", description = "Print every element of metadata arrays (default: the first "
            + SHOWN_ELEMENTS + ").")
    boolean fullArrays;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        try (GgufFile file = GgufFile.openForMetadata(ModelPaths.resolve(model, cache.dir()))) {
            if (file.missingBytes() > 0) {
                Terminal.notice(TruncationNotice.of(file));
            }
            Summary summary = Summary.of(file);
            PrintStream out = System.out;
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                out.println(mapper.writeValueAsString(asJson(file, summary)));
            } else {
                printText(file, summary, out);
            }
            out.flush();
        }
        return 0;
    }

    /** Parameter count, bytes per type and the block layout. */
    record Summary(long parameters, Map<GgmlType, long[]> byType, BlockLayout blocks) {
        static Summary of(GgufFile file) {
            long params = 0;
            Map<GgmlType, long[]> byType = new EnumMap<>(GgmlType.class); // type -> {tensors, bytes, elements}
            for (TensorInfo t : file.tensors()) {
                params += t.elementCount();
                long[] acc = byType.computeIfAbsent(t.type(), k -> new long[3]);
                acc[0]++;
                acc[1] += t.byteSize();
                acc[2] += t.elementCount();
            }
            GgufMetadata md = file.metadata();
            String arch = md.getString("general.architecture", "llama");
            return new Summary(params, byType, BlockLayout.of(file, md.getInt(arch + ".block_count", -1)));
        }
    }

    private void printText(GgufFile file, Summary s, PrintStream out) {
        GgufMetadata md = file.metadata();
        out.printf("%s: GGUF v%d, %s, alignment %d, %d metadata keys, %d tensors%n", file.path(), file.version(),
                Sizes.bytes(file.fileSize()), file.alignment(), md.size(), file.tensors().size());
        out.println();
        out.println("metadata:");
        int keyWidth = md.keys().stream().mapToInt(String::length).max().orElse(0);
        for (String key : md.keys()) {
            MetadataValue v = md.get(key).orElseThrow();
            out.printf("  %-" + keyWidth + "s  %-17s %s%n", key, v.typeName(), render(v));
        }
        out.println();
        out.println("tensors:");
        int nameWidth = file.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(4);
        out.printf("  %-" + nameWidth + "s  %-7s %-22s %14s %12s%n", "name", "type", "shape", "offset", "bytes");
        for (TensorInfo t : file.tensors()) {
            out.printf("  %-" + nameWidth + "s  %-7s %-22s %14d %12d%n", t.name(), t.type(),
                    Arrays.toString(t.shape()), t.offset(), t.byteSize());
        }
        out.println();
        out.println("summary:");
        out.printf("  parameters: %s (%d)%n", Sizes.count(s.parameters()), s.parameters());
        s.byType().forEach((type, acc) -> out.printf("  %-7s %4d tensors, %s, %s elements%n", type, acc[0],
                Sizes.bytes(acc[1]), Sizes.count(acc[2])));
        BlockLayout b = s.blocks();
        out.printf("  blocks: %d of %d present %s%n", b.present().size(), b.blockCount(), BlockRanges.of(b.present()));
        out.printf("  missing blocks: %s%n", b.missing().isEmpty() ? "none" : BlockRanges.of(b.missing()));
        b.incomplete().forEach((block, lacking) ->
                out.printf("  incomplete block %d: lacks %s%n", block, String.join(", ", lacking)));
    }

    private String render(MetadataValue v) {
        return switch (v) {
            case MetadataValue.StringValue s -> quote(s.value());
            case MetadataValue.IntValue i -> i.type() == dev.lopper.gguf.MetadataType.UINT64
                    ? Long.toUnsignedString(i.value()) : Long.toString(i.value());
            case MetadataValue.Float32Value f -> Float.toString(f.value());
            case MetadataValue.Float64Value f -> Double.toString(f.value());
            case MetadataValue.BoolValue b -> Boolean.toString(b.value());
            case MetadataValue.ArrayValue<?> a -> {
                List<Object> items = elements(a);
                int shown = fullArrays ? items.size() : Math.min(SHOWN_ELEMENTS, items.size());
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < shown; i++) {
                    Object e = items.get(i);
                    sb.append(i == 0 ? "" : ", ").append(e instanceof String str ? quote(str) : e);
                }
                if (shown < items.size()) {
                    sb.append(", ... (").append(items.size()).append(" in all)");
                }
                yield sb.append(']').toString();
            }
        };
    }

    private Map<String, Object> asJson(GgufFile file, Summary s) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", file.path().toString());
        root.put("version", file.version());
        root.put("file_size", file.fileSize());
        root.put("alignment", file.alignment());
        root.put("data_offset", file.dataOffset());
        Map<String, Object> meta = new LinkedHashMap<>();
        for (String key : file.metadata().keys()) {
            MetadataValue v = file.metadata().get(key).orElseThrow();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", v.typeName());
            if (v instanceof MetadataValue.ArrayValue a) {
                List<Object> items = elements(a);
                entry.put("count", items.size());
                entry.put("value", fullArrays ? items : items.subList(0, Math.min(SHOWN_ELEMENTS, items.size())));
                entry.put("truncated", !fullArrays && items.size() > SHOWN_ELEMENTS);
            } else {
                entry.put("value", scalar(v));
            }
            meta.put(key, entry);
        }
        root.put("metadata", meta);
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (TensorInfo t : file.tensors()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.type().name());
            m.put("shape", t.shape());
            m.put("offset", t.offset());
            m.put("bytes", t.byteSize());
            tensors.add(m);
        }
        root.put("tensors", tensors);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("parameters", s.parameters());
        Map<String, Object> types = new LinkedHashMap<>();
        s.byType().forEach((type, acc) -> types.put(type.name(), Map.of("tensors", acc[0], "bytes", acc[1],
                "elements", acc[2])));
        summary.put("types", types);
        summary.put("block_count", s.blocks().blockCount());
        summary.put("blocks_present", s.blocks().present());
        summary.put("blocks_missing", s.blocks().missing());
        Map<String, Object> incomplete = new LinkedHashMap<>();
        s.blocks().incomplete().forEach((k, v) -> incomplete.put(Integer.toString(k), v));
        summary.put("blocks_incomplete", incomplete);
        root.put("summary", summary);
        return root;
    }

    private static Object scalar(MetadataValue v) {
        return switch (v) {
            case MetadataValue.StringValue s -> s.value();
            case MetadataValue.IntValue i -> i.fitsLong() ? (Object) i.value()
                    : new java.math.BigInteger(Long.toUnsignedString(i.value()));
            case MetadataValue.Float32Value f -> f.value();
            case MetadataValue.Float64Value f -> f.value();
            case MetadataValue.BoolValue b -> b.value();
            case MetadataValue.ArrayValue<?> a -> elements(a);
        };
    }

    private static List<Object> elements(MetadataValue.ArrayValue<?> a) {
        List<Object> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(switch (a.elementType()) {
                case UINT64 -> a.getLong(i) < 0 ? new java.math.BigInteger(Long.toUnsignedString(a.getLong(i)))
                        : (Object) a.getLong(i);
                case UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64 -> a.getLong(i);
                case FLOAT32 -> a.getFloat(i);
                case FLOAT64 -> a.getDouble(i);
                case BOOL -> a.getBool(i);
                case STRING -> a.getString(i);
                case ARRAY -> elements(a.getArray(i));
            });
        }
        return out;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
