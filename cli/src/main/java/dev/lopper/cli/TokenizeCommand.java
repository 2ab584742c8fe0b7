package dev.lopper.cli;

import dev.lopper.engine.tokenizer.Tokenizer;
import dev.lopper.gguf.GgufFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code lopper tokenize}: the token ids of a text, like llama-tokenize. Reads only the vocabulary. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the tokens of a text: one 'id -> piece' per line, or the id list with --ids.")
public final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    DebugOption debug;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", required = true, description = "The text to tokenize.")
    String prompt;

    @Option(names = "--ids", description = "Print only the ids, as [1, 15043, 3186].")
    boolean idsOnly;

    @Option(names = "--no-bos", description = "Do not add the BOS token (nor EOS where the vocabulary adds one).")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "Treat text like '<s>' as plain text, not a control token.")
    boolean noParseSpecial;

    @Override
    public Integer call() throws Exception {
        try (GgufFile file = GgufFile.openForMetadata(model.path())) {
            if (file.missingBytes() > 0) {
                Terminal.notice(TruncationNotice.of(file));
            }
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            int[] ids = tokenizer.encode(prompt, !noBos, !noParseSpecial);
            BosCheck.warnIfDoubled(tokenizer, ids);
            PrintStream out = Terminal.out();
            if (idsOnly) {
                StringJoiner j = new StringJoiner(", ", "[", "]");
                for (int id : ids) {
                    j.add(Integer.toString(id));
                }
                out.println(j);
            } else {
                for (int id : ids) {
                    out.printf("%6d -> '%s'%n", id, PieceText.of(tokenizer.pieceBytes(id, true)));
                }
            }
            out.flush();
        }
        return 0;
    }
}
