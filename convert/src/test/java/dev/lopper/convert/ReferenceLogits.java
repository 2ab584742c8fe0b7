package dev.lopper.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/** A fixture's {@code reference.ref.json}: prompt tokens and float64 reference logits per position. */
record ReferenceLogits(int[] tokens, double[][] logits, int[] argmax) {

    static ReferenceLogits read(Path path) throws IOException {
        JsonNode root = new ObjectMapper().readTree(path.toFile());
        JsonNode l = root.get("logits");
        double[][] logits = new double[l.size()][];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = new double[l.get(i).size()];
            for (int j = 0; j < logits[i].length; j++) {
                logits[i][j] = l.get(i).get(j).asDouble();
            }
        }
        return new ReferenceLogits(ints(root.get("tokens")), logits, ints(root.get("argmax")));
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    /** ‖ours − ref‖ / ‖ref‖ of one row. */
    static double relativeRms(float[] ours, int from, double[] ref) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = ours[from + i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff / norm);
    }

    static int argmax(float[] v, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
