package dev.lopper.convert.torch;

import dev.lopper.convert.io.FormatException;
import dev.lopper.convert.io.StoredTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a PyTorch {@code .bin} written by {@code torch.save} (PyTorch ≥ 1.6, the zip format): a zip
 * whose {@code PREFIX/data.pkl} is the pickled state dict and whose {@code PREFIX/data/KEY} entries are the raw
 * little-endian storages, stored uncompressed so they are read in place. The pickle goes through
 * {@link Unpickler}, which refuses any global but the few torch.save uses. Older files (a bare pickle stream, or a
 * tar) are refused with an error naming the format.
 */
public final class TorchCheckpoint {
    /** The largest data.pkl accepted (a state dict's pickle is a few hundred bytes per tensor). */
    static final long MAX_PICKLE = 64L << 20;

    private TorchCheckpoint() {
    }

    /** The tensors of one {@code .bin} file, in the pickle's order. */
    public static List<StoredTensor> read(Path path) throws IOException {
        String file = path.getFileName().toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 4) {
                throw new TorchFormatException(file, "file has " + size + " bytes, not a torch.save zip", 0);
            }
            ByteBuffer magic = ZipDirectory.read(file, ch, 0, 4, "magic");
            int b0 = magic.get(0) & 0xFF;
            if (b0 == 0x80) {
                throw new TorchFormatException(file, "legacy torch.save format (a bare pickle stream, PyTorch < 1.6) "
                        + "is not supported; re-save it with a current PyTorch or as safetensors", 0);
            }
            if (!(magic.get(0) == 'P' && magic.get(1) == 'K')) {
                if (size > 262) {
                    ByteBuffer tar = ZipDirectory.read(file, ch, 257, 5, "tar magic");
                    if (new String(new byte[]{tar.get(0), tar.get(1), tar.get(2), tar.get(3), tar.get(4)},
                            java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
                        throw new TorchFormatException(file, "legacy tar torch.save format (PyTorch < 0.4) is not "
                                + "supported; re-save it with a current PyTorch or as safetensors", 0);
                    }
                }
                throw new TorchFormatException(file, "not a torch.save zip (no zip signature)", 0);
            }
            Map<String, ZipDirectory.Entry> entries = ZipDirectory.read(file, ch);
            ZipDirectory.Entry pkl = null;
            for (ZipDirectory.Entry e : entries.values()) {
                if (e.name().endsWith("/data.pkl") && e.name().indexOf('/') == e.name().length() - 9) {
                    pkl = e;
                    break;
                }
            }
            if (pkl == null) {
                throw new TorchFormatException(file, "zip has no PREFIX/data.pkl entry: not a torch.save file", -1);
            }
            String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
            ZipDirectory.Entry order = entries.get(prefix + "byteorder");
            if (order != null && order.size() < 16) {
                String bo = new String(ZipDirectory.read(file, ch, order.dataOffset(), (int) order.size(),
                        "byteorder").array(), java.nio.charset.StandardCharsets.US_ASCII);
                if (!bo.equals("little")) {
                    throw new TorchFormatException(file, "byteorder " + FormatException.quote(bo)
                            + " is not supported (only little)", order.dataOffset());
                }
            }
            if (pkl.method() != 0) {
                throw new TorchFormatException(file, "zip entry " + FormatException.quote(pkl.name())
                        + " is compressed (method " + pkl.method() + "); torch.save stores entries", pkl.dataOffset());
            }
            if (pkl.size() > MAX_PICKLE) {
                throw new TorchFormatException(file, "data.pkl has " + pkl.size() + " bytes, more than "
                        + MAX_PICKLE, pkl.dataOffset());
            }
            byte[] pickle = ZipDirectory.read(file, ch, pkl.dataOffset(), (int) pkl.size(), "data.pkl").array();
            Object root = Unpickler.load(file + ": " + pkl.name(), pickle);
            return tensors(file, path, root, prefix, entries);
        }
    }

    private static List<StoredTensor> tensors(String file, Path path, Object root, String prefix,
                                              Map<String, ZipDirectory.Entry> entries) throws TorchFormatException {
        if (root instanceof Map<?, ?> m && m.size() == 1 && m.get("state_dict") instanceof Map<?, ?> inner) {
            root = inner;
        }
        if (!(root instanceof Map<?, ?> dict)) {
            throw new TorchFormatException(file, "the pickle holds no state dict (a dict of tensors)", -1);
        }
        List<StoredTensor> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new TorchFormatException(file, "state dict key " + e.getKey() + " is not a string", -1);
            }
            String what = "tensor " + FormatException.quote(name);
            if (!(e.getValue() instanceof Unpickler.TensorRef t)) {
                throw new TorchFormatException(file, what + " is not a tensor", -1);
            }
            Unpickler.StorageRef s = t.storage();
            ZipDirectory.Entry data = entries.get(prefix + "data/" + s.key());
            if (data == null) {
                throw new TorchFormatException(file, what + ": storage entry " + FormatException.quote(prefix + "data/"
                        + s.key()) + " is missing from the zip", -1);
            }
            if (data.method() != 0) {
                throw new TorchFormatException(file, what + ": storage entry is compressed", data.dataOffset());
            }
            int bytes = s.dtype().bytes();
            if (s.numel() > data.size() / bytes) {
                throw new TorchFormatException(file, what + ": storage of " + s.numel() + " " + s.dtype()
                        + " elements does not fit its zip entry (" + data.size() + " bytes)", data.dataOffset());
            }
            long[] size = t.size();
            long[] stride = t.stride();
            if (size.length != stride.length || size.length > 8) {
                throw new TorchFormatException(file, what + ": size and stride of different ranks", -1);
            }
            long elements = 1;
            long expect = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                if (size[i] < 0) {
                    throw new TorchFormatException(file, what + ": negative size", -1);
                }
                if (size[i] != 1 && stride[i] != expect) {
                    throw new TorchFormatException(file, what + ": not contiguous (size " + java.util.Arrays.toString(size)
                            + ", stride " + java.util.Arrays.toString(stride) + ")", -1);
                }
                expect = size[i] == 0 ? expect : mulOrMax(expect, size[i]);
                elements = mulOrMax(elements, size[i]);
            }
            if (expect == Long.MAX_VALUE) { // the non-zero sizes overflow, even if a zero makes the tensor empty
                throw new TorchFormatException(file, what + ": size " + java.util.Arrays.toString(size)
                        + " has more than 2^63 elements", -1);
            }
            if (t.offset() < 0 || elements > s.numel() || t.offset() > s.numel() - elements) {
                throw new TorchFormatException(file, what + ": elements [" + t.offset() + ", +" + elements
                        + ") outside its storage of " + s.numel(), data.dataOffset());
            }
            out.add(new StoredTensor(name, s.dtype(), size, path, data.dataOffset() + t.offset() * bytes));
        }
        return out;
    }

    private static long mulOrMax(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
