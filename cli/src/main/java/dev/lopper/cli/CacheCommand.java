package dev.lopper.cli;

import dev.lopper.convert.cache.ModelCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code lopper cache list|clear}: the Hugging Face folders converted for {@code -m FOLDER}. */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"List or remove the Hugging Face folders converted into the cache when given as -m FOLDER.",
                "Example: lopper cache list"})
public final class CacheCommand implements Callable<Integer> {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** What to do. */
    enum Action { list, clear }

    @Parameters(index = "0", paramLabel = "list|clear", description = "list: show the entries; clear: remove them.")
    Action action;

    @Mixin
    CacheOption cacheOption;

    @Mixin
    DebugOption debug;

    @Override
    public Integer call() throws Exception {
        ModelCache cache = new ModelCache(cacheOption.dir() != null ? cacheOption.dir() : ModelCache.defaultRoot());
        PrintStream out = Terminal.out();
        switch (action) {
            case list -> {
                List<ModelCache.Entry> entries = cache.list();
                if (entries.isEmpty()) {
                    out.println("no converted folders in " + cache.entriesDir());
                } else {
                    out.println("converted folders in " + cache.entriesDir() + ":");
                    out.printf("  %-50s %10s  %-20s %-7s %s%n", "source folder", "size", "converted", "outtype",
                            "file");
                    for (ModelCache.Entry e : entries) {
                        out.printf("  %-50s %10s  %-20s %-7s %s%n", e.source(), Sizes.bytes(e.bytes()),
                                DATE.format(e.created()), e.outType(), e.gguf());
                    }
                }
            }
            case clear -> {
                List<ModelCache.Entry> removed = cache.clear(Terminal::notice);
                long bytes = removed.stream().mapToLong(ModelCache.Entry::bytes).sum();
                out.println("removed " + removed.size() + " converted folder" + (removed.size() == 1 ? "" : "s")
                        + " (" + Sizes.bytes(bytes) + ") from " + cache.entriesDir());
            }
        }
        out.flush();
        return 0;
    }
}
