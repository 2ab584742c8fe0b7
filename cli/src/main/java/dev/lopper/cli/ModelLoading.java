package dev.lopper.cli;

import dev.lopper.engine.Lopper;
import dev.lopper.engine.Model;

import java.io.IOException;
import java.nio.file.Path;

/** Loads a model for a command and tells the user, in one line, how a pruned model differs from a dense one. */
final class ModelLoading {
    private ModelLoading() {
    }

    static Model load(Path path, Lopper.Options options) throws IOException {
        Model model = Lopper.load(path, options);
        String notice = model.config().pruningNotice();
        if (!notice.isEmpty()) {
            Terminal.notice(path.getFileName() + ": " + notice);
        }
        return model;
    }

    /**
     * Load options from {@code -t}, {@code --ctx-size} (null or 0: the model's window, capped to fit memory),
     * {@code --skip-layers} and {@code --no-repack}.
     */
    static Lopper.Options options(ThreadOptions threads, Integer ctxSize, SkipLayersOption skip, RepackOption repack) {
        if (ctxSize != null && ctxSize < 0) {
            throw new IllegalArgumentException("--ctx-size must be 0 (the model's context) or more, got " + ctxSize);
        }
        return new Lopper.Options(threads.count(), ctxSize == null ? 0 : ctxSize).withSkipBlocks(skip.blocks())
                .withRepack(repack.allowed());
    }
}
