package dev.lopper.cli;

import dev.lopper.engine.model.BlockRanges;
import picocli.CommandLine.Option;

import java.util.Set;
import java.util.TreeSet;

/** {@code --skip-layers LIST}: blocks left out at run time, by the file's {@code blk.N} numbers. */
public final class SkipLayersOption {
    @Option(names = "--skip-layers", paramLabel = "LIST",
            description = "Leave these blocks out at run time, e.g. 24-29,31 (the file's blk.N numbers; "
                    + "nothing is written).")
    String list;

    /** The blocks to leave out; empty when the option is not given. */
    public Set<Integer> blocks() {
        return list == null ? Set.of() : new TreeSet<>(BlockRanges.parse(list));
    }
}
