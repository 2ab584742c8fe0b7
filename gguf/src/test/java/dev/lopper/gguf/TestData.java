package dev.lopper.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Test data: the in-repo fixtures, the optional shared corpus, a byte builder and a field locator. */
final class TestData {
    static final String STORIES = "stories260K-q5_0-mix.gguf";
    static final String VOCAB_ONLY = "vocab-only-tok512.gguf";

    private TestData() {
    }

    /** A file of src/test/resources/gguf. */
    static Path resource(String name) {
        URL url = TestData.class.getResource("/gguf/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource gguf/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The shared reference folder ({@code /work/shared} next to the project): {@code -Dlopper.shared}, else
     * {@code ../../shared} from the module directory, else {@code ../shared} from the project root.
     */
    static Optional<Path> sharedDir() {
        String prop = System.getProperty("lopper.shared");
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p : new Path[] {prop == null ? null : Path.of(prop), cwd.resolve("../../shared"),
                cwd.resolve("../shared")}) {
            if (p != null && Files.isDirectory(p.normalize())) {
                return Optional.of(p.normalize());
            }
        }
        return Optional.empty();
    }

    /** Little-endian byte builder for hand-made GGUF files. */
    static final class Le {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Le u8(int v) {
            out.write(v);
            return this;
        }

        Le u16(int v) {
            return u8(v).u8(v >>> 8);
        }

        Le u32(long v) {
            return u16((int) v).u16((int) (v >>> 16));
        }

        Le u64(long v) {
            return u32(v).u32(v >>> 32);
        }

        Le str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        Le raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** Zeros up to the next multiple of {@code a}. */
        Le pad(int a) {
            while (out.size() % a != 0) {
                out.write(0);
            }
            return this;
        }

        /** Magic, version and counts. */
        Le header(int version, long tensors, long kvs) {
            return u8('G').u8('G').u8('U').u8('F').u32(version).u64(tensors).u64(kvs);
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Where a tensor info's fields are in a file. */
    record TensorAt(long nameAt, long nDimsAt, long dimsAt, long typeAt, long offsetAt) {
    }

    /** Where a metadata key/value's fields are in a file: the key, its type id, and its value. */
    record KeyAt(long keyAt, long typeAt, long valueAt) {
    }

    /**
     * Offsets of the fields of a valid GGUF file, found by a deliberately naive walk (no validation), so tests can
     * corrupt one field at a time.
     */
    static final class Layout {
        final Map<String, KeyAt> keys = new LinkedHashMap<>();
        final Map<String, TensorAt> tensors = new LinkedHashMap<>();
        final long tensorInfosAt;
        final long tensorInfosEnd;
        private final ByteBuffer b;

        Layout(byte[] file) {
            b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
            long nt = b.getLong(8);
            long nk = b.getLong(16);
            int p = 24;
            for (long i = 0; i < nk; i++) {
                int keyAt = p;
                String key = string(p);
                p += 8 + (int) b.getLong(p);
                int type = b.getInt(p);
                keys.put(key, new KeyAt(keyAt, p, p + 4));
                p = skipValue(type, p + 4);
            }
            tensorInfosAt = p;
            for (long i = 0; i < nt; i++) {
                int nameAt = p;
                String name = string(p);
                p += 8 + (int) b.getLong(p);
                int nDimsAt = p;
                int nd = b.getInt(p);
                p += 4 + 8 * nd;
                tensors.put(name, new TensorAt(nameAt, nDimsAt, nDimsAt + 4, p, p + 4));
                p += 12;
            }
            tensorInfosEnd = p;
        }

        /** Offset of the length field of element {@code index} of a STRING array value. */
        long stringElementAt(String key, int index) {
            int p = (int) keys.get(key).valueAt() + 12;
            for (int i = 0; i < index; i++) {
                p += 8 + (int) b.getLong(p);
            }
            return p;
        }

        private String string(int p) {
            int n = (int) b.getLong(p);
            byte[] s = new byte[n];
            b.get(p + 8, s);
            return new String(s, StandardCharsets.UTF_8);
        }

        private int skipValue(int type, int p) {
            return switch (type) {
                case 0, 1, 7 -> p + 1;
                case 2, 3 -> p + 2;
                case 4, 5, 6 -> p + 4;
                case 10, 11, 12 -> p + 8;
                case 8 -> p + 8 + (int) b.getLong(p);
                case 9 -> {
                    int et = b.getInt(p);
                    long n = b.getLong(p + 4);
                    int q = p + 12;
                    for (long i = 0; i < n; i++) {
                        q = skipValue(et, q);
                    }
                    yield q;
                }
                default -> throw new IllegalStateException("type " + type);
            };
        }
    }

    /** Copies {@code src} and writes {@code v} little-endian ({@code width} bytes) at {@code at}. */
    static byte[] patch(byte[] src, long at, int width, long v) {
        byte[] b = src.clone();
        for (int i = 0; i < width; i++) {
            b[(int) at + i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
