package dev.lopper.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** {@code lopper --version}: the version, the commit it was built from, and the JVM it runs on. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/lopper-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        String version = known(p.getProperty("version"), "dev");
        String commit = known(p.getProperty("commit"), "unknown");
        boolean dirty = "true".equals(p.getProperty("dirty"));
        String date = known(p.getProperty("date"), null);
        return new String[]{
                "lopper " + version + " (commit " + commit + (dirty ? ", modified" : "")
                        + (date != null ? ", " + date : "") + ")",
                "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version()
        };
    }

    /** The value, or {@code fallback} when missing or left unfiltered ({@code ${...}}). */
    private static String known(String value, String fallback) {
        return value == null || value.isBlank() || value.contains("${") ? fallback : value;
    }
}
