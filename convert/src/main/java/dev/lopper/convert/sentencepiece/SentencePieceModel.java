package dev.lopper.convert.sentencepiece;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (sentencepiece_model.proto, {@code ModelProto}) a GGUF
 * vocabulary needs: the pieces with score and type, and the trainer's special ids.
 *
 * <pre>
 * ModelProto    { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2; NormalizerSpec normalizer_spec = 3; }
 * SentencePiece { string piece = 1; float score = 2; Type type = 3 [default NORMAL]; }
 *                 Type: NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, BYTE 6, UNUSED 5
 * TrainerSpec   { ModelType model_type = 3 [UNIGRAM 1, BPE 2, WORD 3, CHAR 4];
 *                 int32 unk_id = 40 [0]; bos_id = 41 [1]; eos_id = 42 [2]; pad_id = 43 [-1]; }
 * NormalizerSpec{ bool add_dummy_prefix = 3 [true]; }
 * </pre>
 *
 * @param pieces        the pieces by id
 * @param modelType     the trainer's model type (1 unigram, 2 BPE, ...)
 * @param unkId         the unknown piece's id, or -1
 * @param bosId         the BOS id, or -1
 * @param eosId         the EOS id, or -1
 * @param padId         the padding id, or -1
 * @param addDummyPrefix whether the normalizer prepends a space
 */
public record SentencePieceModel(List<Piece> pieces, int modelType, int unkId, int bosId, int eosId, int padId,
                                 boolean addDummyPrefix) {

    /** SentencePiece's piece types (the proto's enum values). */
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    /** The largest file accepted (the LLaMA model is 0.5 MB; the largest common ones are a few MB). */
    static final long MAX_BYTES = 64L << 20;

    /** One piece: its text, score and type (1..6). */
    public record Piece(String text, float score, int type) {
    }

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /** Parses a {@code tokenizer.model} file. */
    public static SentencePieceModel read(Path file) throws IOException {
        String name = file.getFileName().toString();
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new SentencePieceFormatException(name, "file has " + size + " bytes, more than the " + MAX_BYTES
                    + " a SentencePiece model may have here", -1);
        }
        return parse(name, Files.readAllBytes(file));
    }

    /** Parses the bytes of a {@code tokenizer.model}; {@code name} is used in messages. */
    public static SentencePieceModel parse(String name, byte[] data) throws SentencePieceFormatException {
        ProtoReader r = new ProtoReader(name, data, 0, data.length);
        List<Piece> pieces = new ArrayList<>();
        int modelType = 1;
        int unk = 0;
        int bos = 1;
        int eos = 2;
        int pad = -1;
        boolean dummy = true;
        while (r.more()) {
            long tag = r.tag("ModelProto");
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == ProtoReader.LEN) {
                pieces.add(piece(r.message("pieces[" + pieces.size() + "]"), pieces.size()));
            } else if (field == 2 && wire == ProtoReader.LEN) {
                ProtoReader t = r.message("trainer_spec");
                while (t.more()) {
                    long tt = t.tag("trainer_spec");
                    int f = (int) (tt >>> 3);
                    int w = (int) (tt & 7);
                    if (w == ProtoReader.VARINT && (f == 3 || (f >= 40 && f <= 43))) {
                        int v = (int) t.varint("trainer_spec field " + f);
                        switch (f) {
                            case 3 -> modelType = v;
                            case 40 -> unk = v;
                            case 41 -> bos = v;
                            case 42 -> eos = v;
                            default -> pad = v;
                        }
                    } else {
                        t.skip(w, "trainer_spec field " + f);
                    }
                }
            } else if (field == 3 && wire == ProtoReader.LEN) {
                ProtoReader n = r.message("normalizer_spec");
                while (n.more()) {
                    long nt = n.tag("normalizer_spec");
                    int f = (int) (nt >>> 3);
                    int w = (int) (nt & 7);
                    if (f == 3 && w == ProtoReader.VARINT) {
                        dummy = n.varint("normalizer_spec.add_dummy_prefix") != 0;
                    } else {
                        n.skip(w, "normalizer_spec field " + f);
                    }
                }
            } else {
                r.skip(wire, "ModelProto field " + field);
            }
        }
        if (pieces.isEmpty()) {
            throw new SentencePieceFormatException(name, "no pieces: not a SentencePiece model", 0);
        }
        int n = pieces.size();
        return new SentencePieceModel(pieces, modelType, inRange(unk, n), inRange(bos, n), inRange(eos, n),
                inRange(pad, n), dummy);
    }

    private static int inRange(int id, int n) {
        return id >= 0 && id < n ? id : -1;
    }

    private static Piece piece(ProtoReader p, int index) throws SentencePieceFormatException {
        int start = p.position();
        String text = null;
        float score = 0;
        int type = NORMAL;
        while (p.more()) {
            long tag = p.tag("pieces[" + index + "]");
            int f = (int) (tag >>> 3);
            int w = (int) (tag & 7);
            if (f == 1 && w == ProtoReader.LEN) {
                text = p.string("pieces[" + index + "].piece");
            } else if (f == 2 && w == ProtoReader.I32) {
                score = p.fixed32Float("pieces[" + index + "].score");
            } else if (f == 3 && w == ProtoReader.VARINT) {
                int at = p.position();
                long t = p.varint("pieces[" + index + "].type");
                if (t < NORMAL || t > BYTE) {
                    throw p.error("pieces[" + index + "].type " + t + " is not a SentencePiece type (1..6)", at);
                }
                type = (int) t;
            } else {
                p.skip(w, "pieces[" + index + "] field " + f);
            }
        }
        if (text == null) {
            throw p.error("pieces[" + index + "] has no text", start);
        }
        return new Piece(text, score, type);
    }
}
