package dev.lopper.convert.io;

/**
 * A Hugging Face folder's JSON files, tensor set or tensor shapes are wrong or unsupported (a missing shard or tensor,
 * a shape that does not fit the config, an unknown quantization format): names the file and the key or tensor.
 */
public final class CheckpointFormatException extends FormatException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String file, String detail) {
        super(file, detail, -1);
    }

    public CheckpointFormatException(String file, String detail, long offset) {
        super(file, detail, offset);
    }
}
