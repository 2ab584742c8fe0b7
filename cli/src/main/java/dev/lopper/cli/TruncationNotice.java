package dev.lopper.cli;

import dev.lopper.gguf.GgufFile;
import dev.lopper.gguf.TensorInfo;

/** The warning for a GGUF file cut off inside its tensor data: how many bytes and which tensors are missing. */
final class TruncationNotice {
    private TruncationNotice() {
    }

    static String of(GgufFile file) {
        long size = file.fileSize();
        int cut = 0;
        String first = null;
        for (TensorInfo t : file.tensors()) {
            if (file.dataOffset() + t.offset() + t.byteSize() > size) {
                cut++;
                if (first == null) {
                    first = t.name();
                }
            }
        }
        return "warning: " + file.path().getFileName() + " is truncated: " + file.missingBytes()
                + " bytes of tensor data missing (file size " + size + ", data ends at "
                + (size + file.missingBytes()) + "); " + cut + " tensor" + (cut == 1 ? "" : "s") + " cut off, from '"
                + first + "'";
    }
}
