package dev.lopper.quant;

import dev.lopper.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Blocks assembled byte by byte from the ggml-common.h struct definitions, with every weight's expected value
 * written out from the format's formula. Scales are powers of two so every expected value is exact.
 */
class HandBuiltBlockTest {

    private static final short HALF_1 = 0x3C00;
    private static final short HALF_0_5 = 0x3800;
    private static final short HALF_0_25 = 0x3400;
    private static final short HALF_0_125 = 0x3000;

    private static ByteBuffer block(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] decode(GgmlType type, ByteBuffer block, int n) {
        assertEquals(type.byteSize(n), block.capacity(), "test block size");
        // Place the block at an odd offset to exercise unaligned reads.
        byte[] bytes = new byte[block.capacity() + 3];
        System.arraycopy(block.array(), 0, bytes, 3, block.capacity());
        float[] out = new float[n];
        BlockCodec.of(type).dequantize(MemorySegment.ofArray(bytes), 3, out, 0, n);
        return out;
    }

    private static void assertValues(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], "element " + i);
        }
    }

    @Test
    void q4_0() {
        ByteBuffer b = block(18).putShort(HALF_0_5);
        for (int j = 0; j < 16; j++) {
            b.put((byte) (j | (15 - j) << 4));
        }
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            want[j] = (j - 8) * 0.5f;        // low nibbles: weights 0..15
            want[16 + j] = (7 - j) * 0.5f;   // high nibbles: weights 16..31
        }
        assertValues(want, decode(GgmlType.Q4_0, b, 32));
    }

    @Test
    void q8_0() {
        ByteBuffer b = block(34).putShort(HALF_0_25);
        float[] want = new float[32];
        for (int j = 0; j < 32; j++) {
            int q = j == 0 ? -128 : j == 31 ? 127 : j - 16;
            b.put((byte) q);
            want[j] = q * 0.25f;
        }
        assertValues(want, decode(GgmlType.Q8_0, b, 32));
    }

    @Test
    void q5_0() {
        // q[j] = j: the fifth bit is set exactly for weights 16..31, i.e. qh = 0xFFFF0000
        ByteBuffer b = block(22).putShort(HALF_1).putInt(0xFFFF0000);
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            b.put((byte) (j | j << 4));
            want[j] = j - 16;
            want[16 + j] = j;
        }
        assertValues(want, decode(GgmlType.Q5_0, b, 32));
    }

    @Test
    void q2_K() {
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 5 / 3) % 4;
        }
        ByteBuffer b = block(84);
        for (int g = 0; g < 16; g++) {
            b.put((byte) (g | (15 - g) << 4)); // scale g, min 15-g
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b.put((byte) (q[e] | q[e + 32] << 2 | q[e + 64] << 4 | q[e + 96] << 6));
            }
        }
        b.putShort(HALF_0_5).putShort(HALF_0_25);
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            int g = e / 16;
            want[e] = 0.5f * g * q[e] - 0.25f * (15 - g);
        }
        assertValues(want, decode(GgmlType.Q2_K, b, 256));
    }

    @Test
    void q3_K() {
        int[] q = new int[256];
        int[] scale = new int[16];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 7 / 5) % 8;
        }
        for (int g = 0; g < 16; g++) {
            scale[g] = (g * 13 + 5) % 64;
        }
        ByteBuffer b = block(110);
        for (int l = 0; l < 32; l++) { // hmask: bit k of byte l is bit 2 of weight 32k + l
            int m = 0;
            for (int k = 0; k < 8; k++) {
                m |= (q[32 * k + l] >> 2) << k;
            }
            b.put((byte) m);
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b.put((byte) ((q[e] & 3) | (q[e + 32] & 3) << 2 | (q[e + 64] & 3) << 4 | (q[e + 96] & 3) << 6));
            }
        }
        byte[] sc = new byte[12];
        for (int g = 0; g < 16; g++) {
            sc[g % 8] |= (byte) ((scale[g] & 0xF) << (g < 8 ? 0 : 4));
            sc[8 + g % 4] |= (byte) ((scale[g] >> 4) << (2 * (g / 4)));
        }
        b.put(sc).putShort(HALF_0_125);
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            want[e] = 0.125f * (scale[e / 16] - 32) * (q[e] - 4);
        }
        assertValues(want, decode(GgmlType.Q3_K, b, 256));
    }

    /** The 12-byte scales/mins field of Q4_K and Q5_K, written out from get_scale_min_k4. */
    private static byte[] kScales(int[] sc, int[] m) {
        byte[] s = new byte[12];
        for (int j = 0; j < 4; j++) {
            s[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            s[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            s[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        return s;
    }

    private static final int[] K_SCALES = {1, 2, 3, 63, 37, 50, 16, 17};
    private static final int[] K_MINS = {0, 5, 10, 15, 20, 33, 48, 63};

    @Test
    void q4_K() {
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 11) % 16;
        }
        ByteBuffer b = block(144).putShort(HALF_1).putShort(HALF_0_5).put(kScales(K_SCALES, K_MINS));
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b.put((byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
            }
        }
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            want[e] = 1f * K_SCALES[e / 32] * q[e] - 0.5f * K_MINS[e / 32];
        }
        assertValues(want, decode(GgmlType.Q4_K, b, 256));
    }

    @Test
    void q5_K() {
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 13) % 32;
        }
        ByteBuffer b = block(176).putShort(HALF_0_5).putShort(HALF_0_25).put(kScales(K_SCALES, K_MINS));
        for (int l = 0; l < 32; l++) { // qh: bit j of byte l is bit 4 of weight 32j + l
            int h = 0;
            for (int j = 0; j < 8; j++) {
                h |= (q[32 * j + l] >> 4) << j;
            }
            b.put((byte) h);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b.put((byte) ((q[64 * c + l] & 0xF) | (q[64 * c + 32 + l] & 0xF) << 4));
            }
        }
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            want[e] = 0.5f * K_SCALES[e / 32] * q[e] - 0.25f * K_MINS[e / 32];
        }
        assertValues(want, decode(GgmlType.Q5_K, b, 256));
    }

    @Test
    void q6_K() {
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 7) % 64;
        }
        ByteBuffer b = block(210);
        for (int h = 0; h < 2; h++) { // ql
            for (int l = 0; l < 64; l++) {
                int e = 128 * h + l; // byte l of the half: weight l low nibble, weight l + 64 high nibble
                b.put((byte) ((q[e] & 0xF) | (q[e + 64] & 0xF) << 4));
            }
        }
        for (int h = 0; h < 2; h++) { // qh
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                b.put((byte) (q[e] >> 4 | (q[e + 32] >> 4) << 2 | (q[e + 64] >> 4) << 4 | (q[e + 96] >> 4) << 6));
            }
        }
        for (int g = 0; g < 16; g++) {
            b.put((byte) (g == 15 ? -128 : g * 9 - 70));
        }
        b.putShort(HALF_0_25);
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            int g = e / 16;
            want[e] = 0.25f * (g == 15 ? -128 : g * 9 - 70) * (q[e] - 32);
        }
        assertValues(want, decode(GgmlType.Q6_K, b, 256));
    }

    private static final int[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    @Test
    void iq4_nl() {
        ByteBuffer b = block(18).putShort(HALF_0_125);
        float[] want = new float[32];
        for (int j = 0; j < 16; j++) {
            b.put((byte) (j | (15 - j) << 4));
            want[j] = 0.125f * KVALUES[j];
            want[16 + j] = 0.125f * KVALUES[15 - j];
        }
        assertValues(want, decode(GgmlType.IQ4_NL, b, 32));
    }

    @Test
    void iq4_xs() {
        int[] ls = {0, 9, 18, 31, 32, 45, 54, 63};
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 3 + e / 32) % 16;
        }
        int scalesH = 0;
        for (int j = 0; j < 8; j++) {
            scalesH |= (ls[j] >> 4) << (2 * j);
        }
        ByteBuffer b = block(136).putShort(HALF_0_125).putShort((short) scalesH);
        for (int i = 0; i < 4; i++) {
            b.put((byte) ((ls[2 * i] & 0xF) | (ls[2 * i + 1] & 0xF) << 4));
        }
        for (int j = 0; j < 8; j++) {
            for (int i = 0; i < 16; i++) {
                b.put((byte) (q[32 * j + i] | q[32 * j + 16 + i] << 4));
            }
        }
        float[] want = new float[256];
        for (int e = 0; e < 256; e++) {
            want[e] = 0.125f * (ls[e / 32] - 32) * KVALUES[q[e]];
        }
        assertValues(want, decode(GgmlType.IQ4_XS, b, 256));
    }

    @Test
    void bf16AndF16() {
        ByteBuffer b = block(8).putShort((short) 0x3F80).putShort((short) 0xC040).putShort((short) 0x7F80)
                .putShort((short) 0x0001);
        assertValues(new float[] {1f, -3f, Float.POSITIVE_INFINITY, 0x1p-133f}, decode(GgmlType.BF16, b, 4));
        ByteBuffer h = block(8).putShort(HALF_1).putShort((short) 0xC200).putShort((short) 0x7C00)
                .putShort((short) 0x0001);
        assertValues(new float[] {1f, -3f, Float.POSITIVE_INFINITY, 0x1p-24f}, decode(GgmlType.F16, h, 4));
    }
}
