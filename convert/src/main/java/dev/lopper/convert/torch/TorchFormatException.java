package dev.lopper.convert.torch;

import dev.lopper.convert.io.FormatException;

/**
 * A PyTorch checkpoint ({@code torch.save}'s zip of a pickle and storages) is malformed or holds something the
 * restricted unpickler refuses: names the file, the zip entry, pickle opcode, global or tensor, and the byte offset.
 */
public final class TorchFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public TorchFormatException(String file, String detail, long offset) {
        super(file, detail, offset);
    }
}
