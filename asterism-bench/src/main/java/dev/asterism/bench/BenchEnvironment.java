package dev.asterism.bench;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** The head of every benchmark's report: what ran, when, on which JVM and machine, and how busy it was. */
final class BenchEnvironment {
    private BenchEnvironment() {}

    /** Prints the title with the time, then the JVM and the host lines. */
    static void print(PrintWriter out, String title) {
        Runtime runtime = Runtime.getRuntime();
        out.println(title + ", " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println("JVM:    " + System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + "), max heap " + ResultTable.format(runtime.maxMemory() / 1024.0
                / 1024 / 1024) + " GiB");
        // The load average says how much of the machine others were using when the run began.
        out.println("host:   " + runtime.availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch") + ", load average "
                + ResultTable.format(loadAverage()) + " at the start");
    }

    /** The system load average of the last minute, NaN where the platform has none. */
    static double loadAverage() {
        double average = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return average < 0 ? Double.NaN : average;
    }
}
