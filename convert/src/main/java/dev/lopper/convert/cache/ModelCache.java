package dev.lopper.convert.cache;

import dev.lopper.convert.ConversionReport;
import dev.lopper.convert.ConvertListener;
import dev.lopper.convert.HfConverter;
import dev.lopper.convert.OutType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Hugging Face folders converted once into GGUF files, so that {@code -m FOLDER} runs like {@code -m FILE}: the
 * first run converts into {@code ROOT/hf/KEY/model.gguf}, later runs reuse it while the folder's files are
 * unchanged.
 *
 * <p>KEY is a hash of the folder's top-level files (name, size, modification time), the output type and the
 * converter's version: changing a file, asking another output type or upgrading the converter gives a new entry;
 * the entries of the same folder that it replaces are removed. The folder is only read.
 *
 * <p>Two runs never convert the same folder at once: each key has a lock file ({@code ROOT/hf/KEY.lock}, an OS
 * file lock through {@link FileChannel#lock()}), and a run that finds it taken waits, then reuses what the other
 * wrote. Before converting, the free space of ROOT is checked against an estimate of the output. The conversion
 * writes into a staging folder next to the entry ({@code ROOT/hf/.partial-KEY-*}), which is renamed into place only
 * when complete, so a failed or interrupted run leaves no entry (and {@link #clear} removes stale staging folders).
 */
public final class ModelCache {
    /** Converts {@code folder} into a GGUF file at {@code out} (whose folder exists). */
    @FunctionalInterface
    public interface Converter {
        void convert(Path folder, Path out) throws IOException;
    }

    /**
     * A converted folder.
     *
     * @param dir     the entry's folder in the cache
     * @param gguf    the converted model
     * @param source  the Hugging Face folder it was converted from (the last one to use it)
     * @param outType the output type it was converted with
     * @param bytes   size of the GGUF file
     * @param created when the conversion finished
     */
    public record Entry(Path dir, Path gguf, Path source, String outType, long bytes, Instant created) {
    }

    /**
     * The version of {@link HfConverter}'s output that cache keys carry: raise it whenever a change to the converter
     * writes different bytes for the same folder, so that earlier conversions are not reused.
     */
    public static final String CONVERTER_VERSION = "1";

    static final String MODEL_FILE = "model.gguf";
    static final String INFO_FILE = "entry.properties";
    private static final String PARTIAL = ".partial-";
    /** Room kept free beyond the estimate. */
    private static final long MARGIN = 64L << 20;

    private final Path root;
    private final ToLongFunction<Path> usableSpace;

    /** A cache rooted at {@code root} (usually {@link #defaultRoot()}); entries live in {@code root/hf}. */
    public ModelCache(Path root) {
        this(root, ModelCache::usableSpaceOf);
    }

    ModelCache(Path root, ToLongFunction<Path> usableSpace) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.usableSpace = usableSpace;
    }

    /** {@code $XDG_CACHE_HOME/lopper}, or {@code ~/.cache/lopper}. */
    public static Path defaultRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lopper");
    }

    /** The root given at construction. */
    public Path root() {
        return root;
    }

    /** Where the converted folders live. */
    public Path entriesDir() {
        return root.resolve("hf");
    }

    /** Whether {@code dir} is a folder with a {@code config.json}: a Hugging Face model folder. */
    public static boolean isHuggingFaceFolder(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
    }

    /**
     * The error for a model path that is a folder without {@code config.json}: the one place this message is made.
     */
    public static IllegalArgumentException notAModel(Path dir) {
        return new IllegalArgumentException(dir + " is a directory, not a GGUF file or a Hugging Face folder (it has "
                + "no config.json)");
    }

    /**
     * The converted model of {@code folder}: the cached file when the folder's files are unchanged since it was
     * written, else a new conversion (waiting first if another run is converting the same folder).
     *
     * @param outType          the output type, part of the key (for example {@code auto})
     * @param converterVersion the converter's version, part of the key
     * @param notice           told in one line what happens: reused, waiting, converting into where
     * @throws IllegalArgumentException if {@code folder} is not a Hugging Face folder
     * @throws IOException              if the conversion fails (nothing is left in the cache then) or there is not
     *                                  enough free space
     */
    public Path ensure(Path folder, String outType, String converterVersion, Converter converter,
                       Consumer<String> notice) throws IOException {
        if (!isHuggingFaceFolder(folder)) {
            throw Files.isDirectory(folder) ? notAModel(folder) : new IllegalArgumentException(folder
                    + " is not a folder");
        }
        Path source = folder.toAbsolutePath().normalize();
        List<SourceFile> files = SourceFile.list(source);
        String key = key(files, outType, converterVersion);
        Path entry = entriesDir().resolve(key);
        Optional<Path> ready = ready(entry);
        if (ready.isPresent()) {
            notice.accept("using " + source + " converted in " + ready.get());
            return ready.get();
        }
        Files.createDirectories(entriesDir());
        try (FileChannel lockFile = FileChannel.open(entriesDir().resolve(key + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = acquire(lockFile, source, notice)) {
            ready = ready(entry);
            if (ready.isPresent()) {
                notice.accept("using " + source + " converted in " + ready.get() + " by another run");
                return ready.get();
            }
            checkSpace(source, files, outType);
            Path staging = Files.createTempDirectory(entriesDir(), PARTIAL + key + "-");
            try {
                notice.accept("converting " + source + " into " + entry.resolve(MODEL_FILE) + " (once; later runs "
                        + "reuse it while the folder's files are unchanged)");
                converter.convert(source, staging.resolve(MODEL_FILE));
                if (!Files.isRegularFile(staging.resolve(MODEL_FILE))) {
                    throw new IOException("the converter wrote no " + MODEL_FILE + " for " + source);
                }
                writeInfo(staging.resolve(INFO_FILE), source, outType, converterVersion, files);
                try {
                    Files.move(staging, entry, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    // another run finished the same conversion while `cache clear` recycled the lock file
                    if (ready(entry).isEmpty()) {
                        throw e;
                    }
                }
            } finally {
                deleteTree(staging);
            }
            removeReplaced(source, key, notice);
            return entry.resolve(MODEL_FILE);
        }
    }

    /**
     * {@link #ensure} with {@link HfConverter} and {@link OutType#AUTO}: what {@code -m FOLDER} runs. The
     * converter's notes (settings it guessed, ids it corrected) go to {@code notice}.
     */
    public Path ensureConverted(Path folder, ConvertListener progress, Consumer<String> notice) throws IOException {
        return ensure(folder, "auto", CONVERTER_VERSION, (src, out) -> {
            ConversionReport r = HfConverter.convert(src, out, OutType.AUTO, progress);
            r.notes().forEach(n -> notice.accept("note: " + n));
        }, notice);
    }

    /** Every complete entry, newest first. */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(entriesDir())) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(entriesDir(), Files::isDirectory)) {
            for (Path d : dirs) {
                if (!d.getFileName().toString().startsWith(PARTIAL)) {
                    readEntry(d).ifPresent(out::add);
                }
            }
        }
        out.sort(Comparator.comparing(Entry::created).reversed());
        return out;
    }

    /**
     * Removes every entry, stale staging folders and lock files, except what another run is converting now.
     *
     * @return the entries removed
     */
    public List<Entry> clear(Consumer<String> notice) throws IOException {
        List<Entry> removed = new ArrayList<>();
        if (!Files.isDirectory(entriesDir())) {
            return removed;
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(entriesDir())) {
            children = s.sorted().toList();
        }
        for (Path p : children) {
            String name = p.getFileName().toString();
            if (name.endsWith(".lock")) {
                continue;
            }
            String key = name.startsWith(PARTIAL) ? name.substring(PARTIAL.length(), name.lastIndexOf('-'))
                    : name;
            if (!withLock(key, () -> {
                Optional<Entry> e = readEntry(p);
                deleteTree(p);
                e.ifPresent(removed::add);
            })) {
                notice.accept("kept " + p + ": another run is converting into it");
            }
        }
        try (Stream<Path> s = Files.list(entriesDir())) {
            for (Path lock : s.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                String key = lock.getFileName().toString().replace(".lock", "");
                withLock(key, () -> {
                });
            }
        }
        return removed;
    }

    /** The model of a complete entry. */
    private static Optional<Path> ready(Path entry) {
        Path model = entry.resolve(MODEL_FILE);
        return Files.isRegularFile(model) && Files.isRegularFile(entry.resolve(INFO_FILE)) ? Optional.of(model)
                : Optional.empty();
    }

    private static FileLock acquire(FileChannel ch, Path source, Consumer<String> notice) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM converts it on another thread: wait like another process
        }
        if (lock != null) {
            return lock;
        }
        notice.accept("waiting for another lopper run converting " + source);
        while (true) {
            try {
                return ch.lock();
            } catch (OverlappingFileLockException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the conversion of " + source, ie);
                }
            }
        }
    }

    /**
     * Runs {@code action} holding the key's lock without waiting; the lock file is removed afterwards.
     *
     * @return false when another run holds the lock (nothing is done then)
     */
    private boolean withLock(String key, IoAction action) throws IOException {
        Path lockPath = entriesDir().resolve(key + ".lock");
        try (FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return false;
            }
            if (lock == null) {
                return false;
            }
            try (lock) {
                action.run();
                Files.deleteIfExists(lockPath);
            }
            return true;
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /** Entries of the same source folder under another key: a file changed, they are out of date. */
    private void removeReplaced(Path source, String key, Consumer<String> notice) throws IOException {
        for (Entry e : list()) {
            String other = e.dir().getFileName().toString();
            if (e.source().equals(source) && !other.equals(key)) {
                if (withLock(other, () -> deleteTree(e.dir()))) {
                    notice.accept("removed the out-of-date conversion " + e.dir());
                }
            }
        }
    }

    /**
     * Refuses to start when the cache's file system has less room than the output is likely to take: the weight
     * files' size (f32 from 16-bit weights: twice), plus a margin.
     */
    private void checkSpace(Path source, List<SourceFile> files, String outType) throws IOException {
        long weights = files.stream().filter(SourceFile::isWeights).mapToLong(SourceFile::size).sum();
        long need = (outType.toLowerCase(Locale.ROOT).equals("f32") ? 2 * weights : weights + weights / 10) + MARGIN;
        long free = usableSpace.applyAsLong(entriesDir());
        if (free < need) {
            throw new IOException("not enough free space in " + entriesDir() + " to convert " + source + ": about "
                    + mib(need) + " MiB needed, " + mib(free) + " MiB free (free some space, or pass --cache-dir)");
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    private static long usableSpaceOf(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The key of a folder's files, an output type and a converter version: 16 bytes of SHA-256, in hex. */
    static String key(List<SourceFile> files, String outType, String converterVersion) {
        StringBuilder sb = new StringBuilder("lopper-hf-cache 1\n").append("converter ").append(converterVersion)
                .append('\n').append("outtype ").append(outType.toLowerCase(Locale.ROOT)).append('\n');
        for (SourceFile f : files) {
            sb.append(f.name()).append('\t').append(f.size()).append('\t').append(f.modified()).append('\n');
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void writeInfo(Path file, Path source, String outType, String version, List<SourceFile> files)
            throws IOException {
        Properties p = new Properties();
        p.setProperty("source", source.toString());
        p.setProperty("outtype", outType);
        p.setProperty("converter", version);
        p.setProperty("created", Instant.now().toString());
        p.setProperty("files", Integer.toString(files.size()));
        for (int i = 0; i < files.size(); i++) {
            SourceFile f = files.get(i);
            p.setProperty("file." + i, f.name() + "\t" + f.size() + "\t" + f.modified());
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "a Hugging Face folder converted by lopper");
        }
    }

    private static Optional<Entry> readEntry(Path dir) {
        Path model = dir.resolve(MODEL_FILE);
        Path info = dir.resolve(INFO_FILE);
        if (!Files.isRegularFile(model) || !Files.isRegularFile(info)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(info)) {
            p.load(in);
            return Optional.of(new Entry(dir, model, Path.of(p.getProperty("source", "?")),
                    p.getProperty("outtype", "?"), Files.size(model),
                    Instant.parse(p.getProperty("created", Instant.EPOCH.toString()))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not ours, or damaged: list skips it, clear removes it
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
