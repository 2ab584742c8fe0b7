package dev.lopper.chat.example;

import dev.lopper.chat.ChatOptions;
import dev.lopper.chat.ChatSession;
import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;
import dev.lopper.engine.sampling.SamplingParams;

import java.nio.file.Path;

public class HelloLopper {
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args.length > 0 ? args[0] : "models/stories260K.gguf");
        var load = Lopper.Options.defaults().withThreads(2).withContextSize(256);
        var options = ChatOptions.defaults()
                .withSampling(SamplingParams.defaults(42).withTemperature(0.7f))
                .withMaxTokens(64);
        try (Model model = Lopper.load(path, load);
             ChatSession chat = ChatSession.open(model, options)) {
            ChatSession.Turn turn = chat.send("Tell me a story about a cat.", text -> System.out.print(text));
            System.out.println();
            System.out.printf("%d prompt tokens, %d generated, %.1f tokens/s%n",
                    turn.totalPromptTokens(), turn.generatedTokens(), turn.decodeTokensPerSecond());
        }
    }
}
