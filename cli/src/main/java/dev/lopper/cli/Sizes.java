package dev.lopper.cli;

import java.util.Locale;

/** Human-readable sizes: {@code 1.2 GiB}, {@code 260.1K}. */
final class Sizes {
    private Sizes() {
    }

    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }

    static String count(long n) {
        String[] units = {"", "K", "M", "B", "T"};
        double v = n;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? Long.toString(n) : String.format(Locale.ROOT, "%.2f%s", v, units[u]);
    }
}
