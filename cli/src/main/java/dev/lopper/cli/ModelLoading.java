package dev.lopper.cli;

import dev.lopper.engine.model.LlamaModel;

import java.io.IOException;
import java.nio.file.Path;

/** Loads a model for a command and tells the user, in one line, how a pruned model differs from a dense one. */
final class ModelLoading {
    private ModelLoading() {
    }

    static LlamaModel load(Path path) throws IOException {
        LlamaModel model = LlamaModel.load(path);
        String notice = model.config().pruningNotice();
        if (!notice.isEmpty()) {
            Terminal.notice(path.getFileName() + ": " + notice);
        }
        return model;
    }
}
