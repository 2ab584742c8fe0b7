package dev.lopper.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --cache-dir}: where Hugging Face folders given as a model are converted to. */
public final class CacheOption {
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Cache of converted Hugging Face folders (default: $XDG_CACHE_HOME/lopper, else "
                    + "~/.cache/lopper).")
    Path cacheDir;

    /** The directory given, or null for the default. */
    Path dir() {
        return cacheDir;
    }
}
