package dev.lopper.cli;

import picocli.CommandLine.Option;

/** {@code --no-repack}: read every matrix in place, as the file lays it out (llama.cpp's option of that name). */
public final class RepackOption {
    @Option(names = "--no-repack",
            description = "Do not repack Q4_0 and Q8_0 matrices at load (they decode faster repacked; in place, "
                    + "loading is quicker and the file's pages are shared with other processes).")
    boolean off;

    /** Whether repacking is allowed: unless --no-repack, or -Dlopper.repack=false. */
    boolean allowed() {
        return !off && dev.lopper.quant.WeightLoader.repackByDefault();
    }
}
