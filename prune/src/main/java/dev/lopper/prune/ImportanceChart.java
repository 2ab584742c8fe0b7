package dev.lopper.prune;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryMarker;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * A bar chart of ΔPPL per block (JFreeChart), blocks in file order: scored blocks as blue bars, protected blocks
 * as grey bands without a bar. Written as PNG, headless.
 */
public final class ImportanceChart {
    private static final Color BAR = new Color(0x3B6EA8);
    private static final Color PROTECTED = new Color(0xD0D0D0);

    private ImportanceChart() {
    }

    /** The chart of {@code importance}. */
    public static JFreeChart of(LayerImportance importance) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (LayerImportance.Row r : importance.blocks()) {
            data.addValue(r.scored() ? r.delta() : null, "ΔPPL", Integer.toString(r.block()));
        }
        CategoryAxis blocks = new CategoryAxis("block (protected blocks grey, not scored)");
        NumberAxis delta = new NumberAxis("ΔPPL when removed");
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, BAR);
        CategoryPlot plot = new CategoryPlot(data, blocks, delta, bars);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xB0B0B0));
        for (LayerImportance.Row r : importance.blocks()) {
            if (!r.scored()) {
                CategoryMarker m = new CategoryMarker(Integer.toString(r.block()), PROTECTED,
                        new java.awt.BasicStroke(1f));
                m.setDrawAsLine(false);
                m.setLabel("protected");
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                m.setLabelAnchor(RectangleAnchor.TOP);
                m.setLabelTextAnchor(TextAnchor.TOP_CENTER);
                plot.addDomainMarker(m, Layer.BACKGROUND);
            }
        }
        String title = String.format(Locale.ROOT, "Layer importance of %s (PPL %.3f): one-shot PPL criterion",
                importance.model(), importance.whole().ppl());
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Writes the chart as a PNG of {@code width × height} pixels, via a temporary file renamed into place. */
    public static void writePng(LayerImportance importance, Path out, int width, int height) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path target = out.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(System.nanoTime())
                + ".tmp");
        boolean done = false;
        try {
            try {
                ChartUtils.saveChartAsPNG(tmp.toFile(), of(importance), width, height);
            } catch (RuntimeException | Error e) {
                // AWT without any font: "Fontconfig head is null", or a font manager that failed to start
                if (String.valueOf(e.getMessage()).contains("ontconfig") || e instanceof LinkageError) {
                    throw new IOException("cannot draw " + out + ": no fonts found (install a TrueType font,"
                            + " e.g. Debian's fonts-dejavu-core)", e);
                }
                throw e;
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
