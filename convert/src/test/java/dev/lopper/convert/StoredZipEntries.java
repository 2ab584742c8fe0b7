package dev.lopper.convert;

import java.io.IOException;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes uncompressed (STORED) zip entries, the way {@code torch.save} lays out its archive, for tests. */
public final class StoredZipEntries {

    private StoredZipEntries() {
    }

    /** Adds {@code data} as the STORED entry {@code name} (size and CRC set up front, as STORED requires). */
    public static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
