package dev.lopper.engine.eval;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A model's log-probabilities over a text, saved by {@code perplexity --kl-divergence-base FILE} for a later
 * {@code --kl-divergence} comparison. Lopper's own format (docs/cli.md), all little-endian:
 * <pre>
 * offset  size                 field
 * 0       8                    magic "LOPPERLP"
 * 8       4                    u32 version = 1
 * 12      4                    u32 vocab: logits per row
 * 16      4                    u32 ctx: the context size, tokens per chunk
 * 20      4                    u32 chunks
 * 24      4 · chunks · ctx     i32 the text's tokens the chunks cover (BOS first, not replaced)
 * ...     2 · vocab per row    rows: chunk by chunk, for positions ctx/2 .. ctx-2, the log-probabilities
 *                              log p(i) = logit(i) − log Σ exp(logits), as IEEE 754 binary16
 * </pre>
 * The file ends after the last row: its size is exactly {@code 24 + 4·chunks·ctx + 2·vocab·chunks·(ctx−1−ctx/2)}.
 */
public final class LogProbFile implements AutoCloseable {
    static final long MAGIC = 0x504C5245_50504F4CL; // "LOPPERLP" read as a little-endian u64
    static final int VERSION = 1;
    static final int HEADER = 24;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final MemorySegment seg;
    private final String name;
    private final int vocab;
    private final TextChunks chunks;
    private final long rowsStart;

    private LogProbFile(Arena arena, MemorySegment seg, String name, int vocab, TextChunks chunks, long rowsStart) {
        this.arena = arena;
        this.seg = seg;
        this.name = name;
        this.vocab = vocab;
        this.chunks = chunks;
        this.rowsStart = rowsStart;
    }

    /** Maps and checks a file; errors name the file, the field and its offset. */
    public static LogProbFile open(Path path) throws IOException {
        String name = path.getFileName().toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (seg.byteSize() < HEADER) {
                throw new LogProbFileException(name, "header", 0, "file has " + seg.byteSize()
                        + " bytes, fewer than the 24-byte header");
            }
            if (seg.get(U64, 0) != MAGIC) {
                throw new LogProbFileException(name, "magic", 0, "not a Lopper log-probability file "
                        + "(expected \"LOPPERLP\"; llama.cpp's files are not read)");
            }
            int version = seg.get(I32, 8);
            if (version != VERSION) {
                throw new LogProbFileException(name, "version", 8, "version " + Integer.toUnsignedString(version)
                        + ", only " + VERSION + " is read");
            }
            int vocab = positive(seg, 12, "vocab", name);
            int ctx = positive(seg, 16, "ctx", name);
            int nChunks = positive(seg, 20, "chunks", name);
            if (ctx < 4) {
                throw new LogProbFileException(name, "ctx", 16, "context size " + ctx + " is below 4");
            }
            long tokenBytes = 4L * nChunks * ctx;
            long rows = (long) nChunks * (ctx - 1 - ctx / 2);
            long expected = HEADER + tokenBytes + 2L * vocab * rows;
            if (expected != seg.byteSize()) {
                throw new LogProbFileException(name, "size", seg.byteSize(), "file has " + seg.byteSize()
                        + " bytes but its header (vocab " + vocab + ", ctx " + ctx + ", chunks " + nChunks
                        + ") says " + expected);
            }
            if (tokenBytes > Integer.MAX_VALUE) {
                throw new LogProbFileException(name, "chunks", 20, nChunks + " chunks of " + ctx + " tokens are too many");
            }
            int[] tokens = new int[(int) (tokenBytes / 4)];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = seg.get(I32, HEADER + 4L * i);
                if (tokens[i] < 0 || tokens[i] >= vocab) {
                    throw new LogProbFileException(name, "token " + i, HEADER + 4L * i, "token id " + tokens[i]
                            + " is outside the vocabulary of " + vocab);
                }
            }
            return new LogProbFile(arena, seg, name, vocab, new TextChunks(tokens, ctx, nChunks), HEADER + tokenBytes);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static int positive(MemorySegment seg, long off, String field, String name) throws LogProbFileException {
        int v = seg.get(I32, off);
        if (v <= 0) {
            throw new LogProbFileException(name, field, off, Integer.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    public String name() {
        return name;
    }

    public int vocab() {
        return vocab;
    }

    /** The text and chunking the saved run scored. */
    public TextChunks chunks() {
        return chunks;
    }

    /** Reads scored row {@code index} (in file order) into {@code dst[0 .. vocab)}. */
    void readRow(long index, float[] dst) {
        long off = rowsStart + index * 2L * vocab;
        for (int i = 0; i < vocab; i++) {
            dst[i] = Float.float16ToFloat(seg.get(F16, off + 2L * i));
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    /**
     * Writes a log-probability file as a perplexity run scores rows: to a temporary file next to the target,
     * renamed over it by {@link #commit()}; closing without a commit deletes the temporary file.
     */
    public static final class Writer implements ScoredRow, AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final FileChannel ch;
        private final ByteBuffer row;
        private boolean committed;

        public Writer(Path target, TextChunks text, int vocab) throws IOException {
            this.target = target.toAbsolutePath();
            this.tmp = Files.createFile(this.target.resolveSibling("." + this.target.getFileName() + "."
                    + Long.toHexString(System.nanoTime()) + ".tmp"));
            FileChannel c = null;
            try {
                c = FileChannel.open(tmp, StandardOpenOption.WRITE);
                int[] tokens = text.coveredTokens();
                ByteBuffer head = ByteBuffer.allocate(HEADER + 4 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(MAGIC).putInt(VERSION).putInt(vocab).putInt(text.ctx()).putInt(text.chunks());
                for (int t : tokens) {
                    head.putInt(t);
                }
                head.flip();
                while (head.hasRemaining()) {
                    c.write(head);
                }
            } catch (IOException | RuntimeException e) {
                if (c != null) {
                    c.close();
                }
                Files.deleteIfExists(tmp);
                throw e;
            }
            this.ch = c;
            this.row = ByteBuffer.allocateDirect(2 * vocab).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void accept(float[] logits, int offset, int vocab, double logSumExp, int target) throws IOException {
            row.clear();
            for (int i = 0; i < vocab; i++) {
                row.putShort(Float.floatToFloat16((float) (logits[offset + i] - logSumExp)));
            }
            row.flip();
            while (row.hasRemaining()) {
                ch.write(row);
            }
        }

        /** Finishes the file and moves it into place. */
        public void commit() throws IOException {
            ch.force(false);
            ch.close();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                ch.close();
                Files.deleteIfExists(tmp);
            }
        }
    }
}
