package dev.lopper.convert.cache;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCacheTest {
    @TempDir
    Path tmp;

    private Path folder;
    private Path root;
    private final AtomicInteger conversions = new AtomicInteger();
    private final List<String> notices = new ArrayList<>();

    /** Writes the folder's files joined, so that the output changes with them. */
    private final ModelCache.Converter converter = (src, out) -> {
        conversions.incrementAndGet();
        StringBuilder sb = new StringBuilder("GGUF");
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : s.sorted().toList()) {
                sb.append(Files.readString(f));
            }
        }
        Files.writeString(out, sb);
    };

    @BeforeEach
    void folder() throws IOException {
        folder = Files.createDirectory(tmp.resolve("llama-hf"));
        Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Files.writeString(folder.resolve("model.safetensors"), "weights v1");
        root = tmp.resolve("cache");
    }

    private Path ensure(ModelCache cache) throws IOException {
        return cache.ensure(folder, "auto", "1", converter, notices::add);
    }

    @Test
    void reusesAnUnchangedFolderAndReconvertsWhenAFileChanges() throws Exception {
        ModelCache cache = new ModelCache(root);
        List<String> before = snapshot(folder);
        Path first = ensure(cache);
        assertEquals(1, conversions.get());
        assertTrue(first.startsWith(root.toAbsolutePath().resolve("hf")), first.toString());
        assertTrue(notices.getLast().startsWith("converting " + folder.toAbsolutePath() + " into " + first), notices
                .getLast());

        Path again = ensure(new ModelCache(root));
        assertEquals(first, again);
        assertEquals(1, conversions.get(), "reused");
        assertTrue(notices.getLast().startsWith("using " + folder.toAbsolutePath() + " converted in " + first));

        // same size, newer time: converted again, the out-of-date entry removed
        Files.writeString(folder.resolve("model.safetensors"), "weights v2");
        Files.setLastModifiedTime(folder.resolve("model.safetensors"),
                FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Path second = ensure(cache);
        assertEquals(2, conversions.get());
        assertNotEquals(first, second);
        assertTrue(Files.readString(second).contains("weights v2"));
        assertTrue(Files.notExists(first.getParent()), "the out-of-date conversion is removed");

        List<ModelCache.Entry> entries = cache.list();
        assertEquals(1, entries.size());
        ModelCache.Entry e = entries.getFirst();
        assertEquals(folder.toAbsolutePath(), e.source());
        assertEquals(second, e.gguf());
        assertEquals(Files.size(second), e.bytes());
        assertEquals("auto", e.outType());

        // a new file changes the key too
        Files.writeString(folder.resolve("generation_config.json"), "{}");
        ensure(cache);
        assertEquals(3, conversions.get());
        assertEquals(List.of("config.json", "generation_config.json", "model.safetensors"), names(folder));
        assertEquals(before.size() + 1, snapshot(folder).size(), "the folder holds only what the test wrote");
    }

    @Test
    void outTypeAndConverterVersionAreInTheKey() throws Exception {
        ModelCache cache = new ModelCache(root);
        Path auto = cache.ensure(folder, "auto", "1", converter, notices::add);
        Path q8 = cache.ensure(folder, "q8_0", "1", converter, notices::add);
        Path v2 = cache.ensure(folder, "auto", "2", converter, notices::add);
        assertEquals(3, conversions.get());
        assertEquals(3, List.of(auto, q8, v2).stream().distinct().count());
    }

    @Test
    void clearEmptiesTheCache() throws Exception {
        ModelCache cache = new ModelCache(root);
        ensure(cache);
        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(other.resolve("config.json"), "{}");
        cache.ensure(other, "auto", "1", converter, notices::add);
        assertEquals(2, cache.list().size());

        List<ModelCache.Entry> removed = cache.clear(notices::add);
        assertEquals(2, removed.size());
        assertEquals(List.of(), cache.list());
        assertEquals(List.of(), names(cache.entriesDir()), "no entries, staging folders or lock files left");
        ensure(cache);
        assertEquals(3, conversions.get(), "converted again after clear");
    }

    @Test
    void aFolderWithoutConfigJsonIsNotAModel() throws Exception {
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ModelCache(root).ensure(plain, "auto", "1", converter, notices::add));
        assertEquals(plain + " is a directory, not a GGUF file or a Hugging Face folder (it has no config.json)",
                e.getMessage());
        assertEquals(0, conversions.get());
    }

    @Test
    void aFailedConversionLeavesNothing() throws Exception {
        ModelCache cache = new ModelCache(root);
        ModelCache.Converter failing = (src, out) -> {
            Files.writeString(out, "half a file");
            throw new IOException("model.safetensors: tensor 'x' is truncated");
        };
        var e = assertThrows(IOException.class, () -> cache.ensure(folder, "auto", "1", failing, notices::add));
        assertTrue(e.getMessage().contains("truncated"));
        assertEquals(List.of(), cache.list());
        assertTrue(names(cache.entriesDir()).stream().allMatch(n -> n.endsWith(".lock")), names(cache.entriesDir())
                .toString());
        assertEquals(List.of("config.json", "model.safetensors"), names(folder));
        ensure(cache);
        assertEquals(1, cache.list().size());
    }

    @Test
    void notEnoughSpaceIsAClearErrorBeforeConverting() throws Exception {
        ModelCache full = new ModelCache(root, dir -> 10L << 20);
        var e = assertThrows(IOException.class, () -> ensure(full));
        assertTrue(e.getMessage().startsWith("not enough free space in " + full.entriesDir() + " to convert "
                + folder.toAbsolutePath()) && e.getMessage().contains("MiB needed, 10 MiB free"), e.getMessage());
        assertEquals(0, conversions.get());
        assertEquals(List.of(), full.list());
    }

    @Test
    void twoRunsAtOnceConvertOnce() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        ModelCache.Converter slow = (src, out) -> {
            started.countDown();
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            converter.convert(src, out);
        };
        List<String> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(() -> new ModelCache(root).ensure(folder, "auto", "1", slow, waiting::add));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Future<Path> b = pool.submit(() -> new ModelCache(root).ensure(folder, "auto", "1", slow, waiting::add));
            assertEquals(a.get(10, TimeUnit.SECONDS), b.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, conversions.get());
        assertTrue(waiting.stream().anyMatch(n -> n.startsWith("waiting for another lopper run converting")),
                waiting.toString());
        assertTrue(waiting.stream().anyMatch(n -> n.endsWith("by another run")), waiting.toString());
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> snapshot(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String n : names(dir)) {
            Path f = dir.resolve(n);
            out.add(n + " " + Files.size(f) + " " + Files.getLastModifiedTime(f));
        }
        return out;
    }
}
