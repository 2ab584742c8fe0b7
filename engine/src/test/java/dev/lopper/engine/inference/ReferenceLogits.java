package dev.lopper.engine.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/** A fixture's {@code *.ref.json}: prompt tokens, float64 reference logits per position, greedy continuation. */
record ReferenceLogits(int[] tokens, double[][] logits, int[] argmax, int[] greedy) {

    static ReferenceLogits read(Path path) throws IOException {
        JsonNode root = new ObjectMapper().readTree(path.toFile());
        return new ReferenceLogits(ints(root.get("tokens")), matrix(root.get("logits")), ints(root.get("argmax")),
                ints(root.get("greedy")));
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    private static double[][] matrix(JsonNode n) {
        double[][] out = new double[n.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = n.get(i);
            out[i] = new double[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = row.get(j).asDouble();
            }
        }
        return out;
    }

    /** ‖ours − ref‖ / ‖ref‖ for one row. */
    static double relativeRms(float[] ours, double[] ref) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = ours[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff / norm);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
