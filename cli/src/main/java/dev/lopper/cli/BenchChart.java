package dev.lopper.cli;

import dev.lopper.engine.bench.BenchResult;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code lopper bench --plot}: tokens/s of a sweep as a line chart (JFreeChart), one line per model, test kind
 * (pp, tg) and thread count, over the number of tokens of the test (log axis). PNG or SVG by the file's extension;
 * written to a temporary file next to the target, then renamed over it.
 */
final class BenchChart {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    static {
        System.setProperty("java.awt.headless", "true"); // servers have no display; charts need none
    }

    private BenchChart() {
    }

    /** Whether {@code file} names a format the chart can be written in (.png or .svg). */
    static boolean supported(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".svg");
    }

    /** One model's results, named for the legend. */
    record Run(String model, List<BenchResult> results) {
    }

    static void write(Path file, String title, List<Run> runs) throws IOException {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (Run run : runs) {
            for (BenchResult r : run.results()) {
                boolean pp = r.nPrompt() > 0;
                String key = (runs.size() > 1 ? run.model() + " " : "") + (pp ? "pp" : "tg") + " t=" + r.threads();
                series.computeIfAbsent(key, k -> new XYSeries(k, true, true))
                        .addOrUpdate(pp ? r.nPrompt() : r.nGen(), r.avgTs());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "tokens (pp: prompt length, tg: generated)",
                "tokens/s", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis x = new LogAxis(plot.getDomainAxis().getLabel());
        x.setBase(2);
        x.setSmallestValue(1);
        plot.setDomainAxis(x);
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));

        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
                SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
                chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
                Files.writeString(tmp, g.getSVGDocument(), StandardCharsets.UTF_8);
            } else {
                ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
