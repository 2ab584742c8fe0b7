package dev.lopper.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lopper.engine.Model;
import dev.lopper.engine.generate.Session;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code lopper logits}: the full logits after every position of a token sequence, as JSON. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print the logits after every position, as {\"tokens\": [...], \"logits\": [[...], ...]}.")
public final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    SkipLayersOption skipLayers;

    @Mixin
    RepackOption repack;

    @Mixin
    ThreadOptions threads;

    @Mixin
    DebugOption debug;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--tokens", paramLabel = "IDS", split = ",", description = "Token ids, comma-separated.")
        int[] tokens;

        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize (BOS added).")
        String prompt;
    }

    @Option(names = "--json", description = "JSON output (the only format; accepted for scripts that pass it).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (Model llama = ModelLoading.load(model.path(), ModelLoading.options(threads, null, skipLayers, repack))) {
            int[] ids = input.tokens != null ? input.tokens : llama.tokenizer().encode(input.prompt, true, true);
            if (ids.length == 0) {
                throw new IllegalArgumentException("no tokens to run");
            }
            int vocab = llama.config().vocabSize();
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.."
                            + (vocab - 1) + ")");
                }
            }
            if (ids.length > llama.config().contextLength()) {
                throw new IllegalArgumentException(ids.length + " tokens exceed the model's context of "
                        + llama.config().contextLength());
            }
            Session session = llama.newSession(ids.length);
            try (JsonGenerator json = new JsonFactory()
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .createGenerator(Terminal.out(), JsonEncoding.UTF8)) {
                json.writeStartObject();
                json.writeFieldName("tokens");
                json.writeArray(ids, 0, ids.length);
                json.writeArrayFieldStart("logits");
                float[] all = new float[ids.length * vocab];
                session.append(ids, all);
                for (int pos = 0; pos < ids.length; pos++) {
                    json.writeStartArray();
                    for (int i = pos * vocab; i < (pos + 1) * vocab; i++) {
                        json.writeNumber(all[i]);
                    }
                    json.writeEndArray();
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
            }
            Terminal.out().flush();
        }
        return 0;
    }
}
