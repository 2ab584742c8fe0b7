package dev.lopper.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An open GGUF file (versions 2 and 3, little-endian): its metadata and tensor infos, parsed and validated by
 * {@link #open}, and its bytes, mapped read-only once for the whole file. Tensor data is never copied:
 * {@link #data(TensorInfo)} returns a slice of the mapping. Files larger than 2 GiB are fine.
 *
 * <p>Thread-safe; the mapping is shared by all threads until {@link #close()}, after which every segment obtained
 * from this file throws {@link IllegalStateException} on access.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final GgufReader.Parsed parsed;
    private final Map<String, TensorInfo> byName;

    private GgufFile(Path path, Arena arena, MemorySegment segment, GgufReader.Parsed parsed) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.parsed = parsed;
        this.byName = new HashMap<>();
        for (TensorInfo t : parsed.tensors()) {
            byName.put(t.name(), t);
        }
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is not a valid GGUF file this reader supports; the message names the
     *                             file, the field or tensor and the byte offset
     * @throws IOException         if the file cannot be opened or mapped
     */
    public static GgufFile open(Path path) throws IOException {
        return open(path, false);
    }

    /**
     * Maps and parses a GGUF file for its metadata and tensor infos. Unlike {@link #open}, a file cut off inside its
     * tensor data opens: {@link #missingBytes()} says how many bytes are missing, and {@link #data} refuses the
     * tensors not wholly in the file. Everything before the data is checked as strictly as by {@link #open}.
     *
     * @throws GgufFormatException if the header, metadata or tensor infos are malformed
     * @throws IOException         if the file cannot be opened or mapped
     */
    public static GgufFile openForMetadata(Path path) throws IOException {
        return open(path, true);
    }

    private static GgufFile open(Path path, boolean allowTruncatedData) throws IOException {
        Objects.requireNonNull(path, "path");
        if (Files.isDirectory(path)) {
            throw new IOException(path + " is a directory, not a GGUF file");
        }
        Path name = path.getFileName();
        String display = name != null ? name.toString() : path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GgufFile(path, arena, seg, GgufReader.parse(seg, display, allowTruncatedData));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The path given to {@link #open}. */
    public Path path() {
        return path;
    }

    /** The format version: 2 or 3. */
    public int version() {
        return parsed.version();
    }

    /** The data alignment in bytes: {@code general.alignment}, or 32. */
    public long alignment() {
        return parsed.alignment();
    }

    /**
     * The absolute file offset of the data section: the end of the tensor infos rounded up to the alignment. A file
     * without tensors may end before it.
     */
    public long dataOffset() {
        return parsed.dataOffset();
    }

    /** The file size in bytes. */
    public long fileSize() {
        return segment.byteSize();
    }

    /**
     * Bytes of tensor data missing at the end of a truncated file opened with {@link #openForMetadata}; 0 for a
     * complete file.
     */
    public long missingBytes() {
        return parsed.missingBytes();
    }

    /** The metadata, in file order. */
    public GgufMetadata metadata() {
        return parsed.metadata();
    }

    /** The tensor infos, in file order (unmodifiable). */
    public List<TensorInfo> tensors() {
        return parsed.tensors();
    }

    /** The tensor with this name, if present. */
    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The data of a tensor of this file: a read-only slice of the mapping, {@code t.byteSize()} bytes at
     * {@code dataOffset() + t.offset()}, valid until {@link #close()}.
     *
     * @throws IllegalArgumentException if {@code t} is not one of {@link #tensors()}
     * @throws IllegalStateException    if the file is truncated before the end of the tensor's data
     */
    public MemorySegment data(TensorInfo t) {
        if (!t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException(t + " is not a tensor of " + path);
        }
        long start = dataOffset() + t.offset();
        if (start + t.byteSize() > fileSize()) {
            throw new IllegalStateException(path.getFileName() + ": tensor " + GgufFormatException.quote(t.name())
                    + ": data [" + start + ".." + (start + t.byteSize()) + ") past end of file (size " + fileSize()
                    + "): truncated");
        }
        return segment.asSlice(dataOffset() + t.offset(), t.byteSize());
    }

    /** The whole file, read-only, valid until {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    /** Unmaps the file; segments obtained from it become inaccessible. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version() + ", " + metadata().size() + " keys, " + tensors().size()
                + " tensors]";
    }
}
