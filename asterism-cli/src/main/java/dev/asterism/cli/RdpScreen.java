package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

import dev.asterism.guest.linux.HostCommands;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * A screen with an RDP client on it, as a person signs in to a member's desktop: an Xvfb display of this machine,
 * Debian's FreeRDP client ({@code xfreerdp}) on it, and screenshots of it (ImageMagick's {@code import}). For the
 * desktop benchmark and the desktop tests; it stops the processes it started, by PID.
 */
final class RdpScreen implements AutoCloseable {
    /** What to install when a tool is missing. */
    static final String INSTALL_HINT = "apt-get install -y --no-install-recommends freerdp2-x11 xvfb imagemagick";
    /** Fewer colours than this is an xrdp dialog on a plain background, not a desktop. */
    static final int DESKTOP_COLOURS = 1000;

    private final int display;
    private final Process xvfb;
    private final Path directory;
    private final List<Process> clients = new ArrayList<>();

    private RdpScreen(int display, Process xvfb, Path directory) {
        this.display = display;
        this.xvfb = xvfb;
        this.directory = directory;
    }

    /**
     * Starts an Xvfb display on a free number, logging under {@code directory}.
     *
     * @throws IllegalStateException naming the packages to install when a tool is missing
     */
    static RdpScreen start(Path directory) throws IOException, InterruptedException {
        requireNonNull(directory, "directory is null");
        for (String tool : List.of("xfreerdp", "Xvfb", "import")) {
            if (!HostCommands.local().run(List.of("sh", "-c", "command -v " + tool), null).succeeded()) {
                throw new IllegalStateException("signing in to a desktop needs " + tool + ": " + INSTALL_HINT);
            }
        }
        Files.createDirectories(directory);
        int display = 90;
        while (Files.exists(Path.of("/tmp/.X11-unix/X" + display)) || Files.exists(Path.of("/tmp/.X" + display
                + "-lock"))) {
            display++;
        }
        Process xvfb = new ProcessBuilder("Xvfb", ":" + display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
                .redirectErrorStream(true).redirectOutput(directory.resolve("xvfb-" + display + ".log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(Path.of("/tmp/.X11-unix/X" + display))) {
            if (!xvfb.isAlive() || System.nanoTime() > deadline) {
                xvfb.destroy();
                throw new IllegalStateException("Xvfb did not start on display :" + display + " (see "
                        + directory.resolve("xvfb-" + display + ".log") + ")");
            }
            Thread.sleep(50);
        }
        return new RdpScreen(display, xvfb, directory);
    }

    /** The X display's number. */
    int display() {
        return display;
    }

    /** Starts FreeRDP against 127.0.0.1:{@code port} (what {@code asterism connect} listens on) as {@code user}. */
    Process signIn(int port, String user, String password) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("xfreerdp", "/v:127.0.0.1:" + port, "/u:" + user,
                "/p:" + password, "/cert:ignore", "/size:1024x700", "-grab-keyboard", "/log-level:WARN");
        builder.environment().put("DISPLAY", ":" + display);
        builder.redirectErrorStream(true).redirectOutput(directory.resolve("xfreerdp-" + clients.size() + ".log")
                .toFile());
        Process client = builder.start();
        clients.add(client);
        return client;
    }

    /** Writes what the screen shows to {@code file} (PNG). */
    void capture(Path file) {
        HostCommands.Result taken = HostCommands.local().run(List.of("import", "-display", ":" + display, "-window",
                "root", file.toString()), null);
        if (!taken.succeeded()) {
            throw new IllegalStateException("cannot take a screenshot of :" + display + ": " + taken.printed());
        }
    }

    /**
     * How many colours a screenshot shows: xrdp's login or error dialog on a plain background has a few dozen, a
     * desktop (wallpaper, icons, panel) well over {@value #DESKTOP_COLOURS}.
     */
    static int colours(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    /** Whether the screen shows a desktop now; the screenshot stays in {@code file}. */
    boolean showsDesktop(Path file) throws IOException {
        capture(file);
        return colours(file) > DESKTOP_COLOURS;
    }

    /** Stops one client. */
    static void stop(Process client) throws InterruptedException {
        client.destroy();
        if (!client.waitFor(10, TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process client : clients) {
            stop(client);
        }
        stop(xvfb);
    }
}
