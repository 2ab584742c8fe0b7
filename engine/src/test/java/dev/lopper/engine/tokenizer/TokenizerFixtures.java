package dev.lopper.engine.tokenizer;

import dev.lopper.gguf.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Test data: the copies under {@code src/test/resources/tokenizer/}, and {@code ../shared} when it exists. */
final class TokenizerFixtures {
    static final String SPM_VOCAB = "ggml-vocab-llama-spm.gguf";
    static final String GPT2_VOCAB = "ggml-vocab-gpt-2.gguf";

    private TokenizerFixtures() {
    }

    /** A file under {@code src/test/resources/tokenizer/}. */
    static Path resource(String name) {
        URL url = TokenizerFixtures.class.getResource("/tokenizer/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource tokenizer/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tokenizer tokenizer(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return Tokenizer.fromGguf(file.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shared reference folder ({@code -Dlopper.shared=...}, else a {@code shared/} beside a parent directory). */
    static Optional<Path> shared() {
        String property = System.getProperty("lopper.shared");
        if (property != null) {
            return Optional.of(Path.of(property)).filter(Files::isDirectory);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isDirectory(candidate.resolve("fixtures"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** One llama.cpp test vector: input text and expected ids (no BOS). */
    record Case(int index, String text, int[] expected) {
        @Override
        public String toString() {
            return "#" + index + " " + escape(text);
        }
    }

    /**
     * Reads {@code X.inp} / {@code X.out} the way llama.cpp's test-tokenizer-0 does: inputs are separated by
     * {@code "\n__ggml_vocab_test__\n"} (the file ends with one, which does not start another case); each output
     * line holds the ids separated by spaces.
     */
    static List<Case> vectors(String vocab) {
        try {
            String raw = Files.readString(resource(vocab + ".inp"), StandardCharsets.UTF_8);
            List<String> outs = Files.readAllLines(resource(vocab + ".out"), StandardCharsets.UTF_8);
            String sep = "\n__ggml_vocab_test__\n";
            List<String> inputs = new ArrayList<>();
            int pos = 0;
            while (pos < raw.length()) {
                int next = raw.indexOf(sep, pos);
                if (next < 0) {
                    inputs.add(raw.substring(pos));
                    break;
                }
                inputs.add(raw.substring(pos, next));
                pos = next + sep.length();
            }
            if (inputs.size() != outs.size()) {
                throw new IllegalStateException(vocab + ": " + inputs.size() + " inputs but " + outs.size() + " outputs");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String line = outs.get(i).strip();
                int[] ids = line.isEmpty() ? new int[0]
                        : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(i, inputs.get(i), ids));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> b.appendCodePoint(cp);
            }
        });
        return b.append("'").toString();
    }
}
