package dev.lopper.convert.torch;

import dev.lopper.convert.io.FormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a zip file as {@code torch.save} writes it (PKWARE APPNOTE.TXT 6.3: end of central directory,
 * its ZIP64 form for files over 4 GiB, central directory headers, local headers), located but not read: each
 * entry's data starts right after its local header. Parsed here rather than with {@code java.util.zip} because the
 * converter reads stored (uncompressed) entries in place with positional reads and so needs their data offsets,
 * which {@code ZipFile} does not expose. Every offset and size is checked against the file's size.
 */
final class ZipDirectory {
    /** An entry: its compression method (0 = stored), its data offset and size in the file. */
    record Entry(String name, int method, long dataOffset, long size) {
    }

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAX_CENTRAL = 256L << 20;

    private ZipDirectory() {
    }

    static Map<String, Entry> read(String file, FileChannel ch) throws IOException {
        long size = ch.size();
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = read(file, ch, size - tail, tail, "end of central directory");
        int at = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == EOCD) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw new TorchFormatException(file, "no zip end-of-central-directory record (truncated, or not a zip)", size);
        }
        long eocdPos = size - tail + at;
        long entries = t.getShort(at + 10) & 0xFFFF;
        long cdSize = t.getInt(at + 12) & 0xFFFFFFFFL;
        long cdOffset = t.getInt(at + 16) & 0xFFFFFFFFL;
        if (entries == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            if (eocdPos < 20) {
                throw new TorchFormatException(file, "ZIP64 locator missing", eocdPos);
            }
            ByteBuffer loc = read(file, ch, eocdPos - 20, 20, "ZIP64 locator");
            if (loc.getInt(0) != ZIP64_LOCATOR) {
                throw new TorchFormatException(file, "ZIP64 locator missing", eocdPos - 20);
            }
            long z = loc.getLong(8);
            if (z < 0 || z > eocdPos - 20 - 56) {
                throw new TorchFormatException(file, "ZIP64 end record offset " + z + " outside the file", eocdPos - 20);
            }
            ByteBuffer z64 = read(file, ch, z, 56, "ZIP64 end record");
            if (z64.getInt(0) != ZIP64_EOCD) {
                throw new TorchFormatException(file, "bad ZIP64 end record signature", z);
            }
            entries = z64.getLong(32);
            cdSize = z64.getLong(40);
            cdOffset = z64.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdSize > MAX_CENTRAL || cdOffset > size - cdSize || entries < 0
                || entries > cdSize / 46) {
            throw new TorchFormatException(file, "central directory (" + entries + " entries, " + cdSize
                    + " bytes at " + cdOffset + ") does not fit the file (" + size + " bytes)", eocdPos);
        }
        ByteBuffer cd = read(file, ch, cdOffset, (int) cdSize, "central directory");
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long e = 0; e < entries; e++) {
            long where = cdOffset + p;
            if (p + 46 > cdSize || cd.getInt(p) != CENTRAL) {
                throw new TorchFormatException(file, "central directory entry " + e + " is malformed", where);
            }
            int method = cd.getShort(p + 10) & 0xFFFF;
            long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nlen = cd.getShort(p + 28) & 0xFFFF;
            int xlen = cd.getShort(p + 30) & 0xFFFF;
            int clen = cd.getShort(p + 32) & 0xFFFF;
            long local = cd.getInt(p + 42) & 0xFFFFFFFFL;
            if (p + 46L + nlen + xlen + clen > cdSize) {
                throw new TorchFormatException(file, "central directory entry " + e + " runs past the directory", where);
            }
            byte[] nb = new byte[nlen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            int x = p + 46 + nlen;
            int xend = x + xlen;
            while (x + 4 <= xend) {
                int id = cd.getShort(x) & 0xFFFF;
                int len = cd.getShort(x + 2) & 0xFFFF;
                if (x + 4 + len > xend) {
                    break;
                }
                if (id == 0x0001) {
                    int q = x + 4;
                    if (usize == 0xFFFFFFFFL && q + 8 <= x + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xFFFFFFFFL && q + 8 <= x + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (local == 0xFFFFFFFFL && q + 8 <= x + 4 + len) {
                        local = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            if (local < 0 || local > size - 30) {
                throw new TorchFormatException(file, "zip entry " + FormatException.quote(name)
                        + ": local header offset " + local + " outside the file", where);
            }
            ByteBuffer lh = read(file, ch, local, 30, "local header of " + name);
            if (lh.getInt(0) != LOCAL) {
                throw new TorchFormatException(file, "zip entry " + FormatException.quote(name)
                        + ": bad local header signature", local);
            }
            long data = local + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
            long stored = method == 0 ? usize : csize;
            if (stored < 0 || data > size || stored > size - data) {
                throw new TorchFormatException(file, "zip entry " + FormatException.quote(name) + ": data ["
                        + data + ", " + (data + stored) + ") past the end of the file (" + size
                        + " bytes; truncated?)", local);
            }
            out.put(name, new Entry(name, method, data, usize));
            p = xend + clen;
        }
        return out;
    }

    /** Reads {@code n} bytes at {@code pos} (checked by the caller to lie inside the file). */
    static ByteBuffer read(String file, FileChannel ch, long pos, int n, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        long p = pos;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                throw new TorchFormatException(file, what + ": file ends early", p);
            }
            p += r;
        }
        return b.flip();
    }
}
