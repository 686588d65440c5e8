package dev.asterism.cli;

import java.awt.AWTException;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * A person's hands and eyes on an X display, for the desktop benchmark: a JVM of its own, started with
 * {@code DISPLAY} set to the benchmark's Xvfb screen, that moves the mouse, presses keys (through the X server's
 * XTEST extension, as a keyboard would) and reads the screen's pixels where the RDP client draws. Whatever client is
 * on that screen (FreeRDP, or Chromium with the panel's desktop page) gets the same input and is watched the same way,
 * so both paths are measured alike. It reads one command a line from standard input and answers one line:
 * <ul>
 *   <li>{@code colours X Y W H MIN TIMEOUT_MS}: waits until the area shows at least MIN colours; answers the
 *       milliseconds waited, or {@code timeout COLOURS}.
 *   <li>{@code desktop X Y W H TIMEOUT_MS}: takes the colour most of the area shows now (the plain background of
 *       xrdp's screens) and waits until it covers less than a tenth of the area, which shows at least
 *       {@value RdpScreen#DESKTOP_COLOURS} colours (a desktop, not a black screen or a dialog); answers the
 *       milliseconds waited, or {@code timeout COLOURS SHARE}.
 *   <li>{@code click X Y}: a left click there; answers {@code ok}.
 *   <li>{@code type TEXT}: types TEXT (ASCII letters, digits, symbols of a US keyboard, {@code \n} as Enter) key by
 *       key, with Shift where the character needs it; answers {@code ok}.
 *   <li>{@code drag X Y TIMEOUT_MS}: presses the left button at X,Y and moves 60 pixels right and down, then waits
 *       until the pixels around there change (a rubber band on a desktop); answers the milliseconds from the first
 *       movement to the change, or {@code timeout}; releases the button and waits for the screen to settle.
 *   <li>{@code shot FILE}: writes the screen to FILE (PNG); answers {@code ok}.
 * </ul>
 * A bad command answers {@code error REASON}; end of input ends the probe.
 */
public final class ScreenProbe {
    private static final String SHIFTED = "~!@#$%^&*()_+{}|:\"<>?";
    private static final String UNSHIFTED = "`1234567890-=[]\\;',./";
    private static final int DRAG = 60;

    private final Robot robot;

    private ScreenProbe(Robot robot) {
        this.robot = robot;
    }

    /** A probe in a JVM of its own on an X display, as the benchmark talks to it; stopped by its PID on close. */
    static final class Running implements AutoCloseable {
        private final Process process;
        private final BufferedWriter commands;
        private final BufferedReader answers;

        private Running(Process process) {
            this.process = process;
            this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Starts a probe on {@code display} with this JVM's own Java and class path; its errors go to {@code log}. */
        static Running start(int display, Path log) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ScreenProbe.class.getName());
            builder.environment().put("DISPLAY", ":" + display);
            builder.redirectError(log.toFile());
            return new Running(builder.start());
        }

        /**
         * Sends one command and returns its answer.
         *
         * @throws IllegalStateException when the probe answers an error or has stopped
         */
        String ask(String command) throws IOException {
            commands.write(command);
            commands.newLine();
            commands.flush();
            String answer = answers.readLine();
            if (answer == null || answer.startsWith("error")) {
                throw new IllegalStateException("the screen probe, asked '" + command + "': "
                        + (answer == null ? "stopped" : answer));
            }
            return answer;
        }

        /**
         * Sends a command that answers milliseconds and returns them.
         *
         * @throws IllegalStateException naming {@code what} when the probe's wait timed out
         */
        double millis(String what, String command) throws IOException {
            String answer = ask(command);
            if (answer.startsWith("timeout")) {
                throw new IllegalStateException(what + " did not happen (" + answer + ")");
            }
            return Double.parseDouble(answer);
        }

        @Override
        public void close() throws InterruptedException {
            try {
                commands.close();
            } catch (IOException alreadyGone) {
                // It is stopped below in any case.
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    public static void main(String[] arguments) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ScreenProbe probe;
        try {
            probe = new ScreenProbe(new Robot());
        } catch (AWTException | UnsupportedOperationException e) {
            out.println("error no screen on DISPLAY=" + System.getenv("DISPLAY") + ": " + e.getMessage());
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            try {
                out.println(probe.answer(line.split(" ", 2)));
            } catch (RuntimeException | InterruptedException | IOException e) {
                out.println("error " + e);
            }
        }
    }

    private String answer(String[] command) throws InterruptedException, IOException {
        String[] words = command.length > 1 ? command[1].split(" ") : new String[0];
        return switch (command[0]) {
            case "colours" -> awaitColours(area(words), Integer.parseInt(words[4]), Long.parseLong(words[5]));
            case "desktop" -> awaitDesktop(area(words), Long.parseLong(words[4]));
            case "click" -> {
                robot.mouseMove(Integer.parseInt(words[0]), Integer.parseInt(words[1]));
                robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
                robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
                yield "ok";
            }
            case "type" -> {
                type(command[1].replace("\\n", "\n"));
                yield "ok";
            }
            case "drag" -> drag(Integer.parseInt(words[0]), Integer.parseInt(words[1]), Long.parseLong(words[2]));
            case "shot" -> {
                Rectangle screen = new Rectangle(java.awt.Toolkit.getDefaultToolkit().getScreenSize());
                ImageIO.write(robot.createScreenCapture(screen), "png", new File(command[1]));
                yield "ok";
            }
            default -> "error unknown command '" + command[0] + "'";
        };
    }

    private static Rectangle area(String[] words) {
        return new Rectangle(Integer.parseInt(words[0]), Integer.parseInt(words[1]), Integer.parseInt(words[2]),
                Integer.parseInt(words[3]));
    }

    private String awaitColours(Rectangle area, int least, long timeoutMillis) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000;
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = colours(pixels(area));
            if (seen >= least) {
                return String.valueOf((System.nanoTime() - start) / 1_000_000);
            }
            Thread.sleep(20);
        }
        return "timeout " + seen;
    }

    private String awaitDesktop(Rectangle area, long timeoutMillis) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000;
        int background = mostCommon(pixels(area));
        int colours = 0;
        double share = 1;
        while (System.nanoTime() < deadline) {
            int[] now = pixels(area);
            colours = colours(now);
            share = (double) Arrays.stream(now).filter(rgb -> rgb == background).count() / now.length;
            if (colours >= RdpScreen.DESKTOP_COLOURS && share < 0.1) {
                return String.valueOf((System.nanoTime() - start) / 1_000_000);
            }
            Thread.sleep(20);
        }
        return String.format(java.util.Locale.ROOT, "timeout %d %.2f", colours, share);
    }

    private static int mostCommon(int[] pixels) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int rgb : pixels) {
            counts.merge(rgb, 1, Integer::sum);
        }
        return counts.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private String drag(int x, int y, long timeoutMillis) throws InterruptedException {
        Rectangle watched = new Rectangle(x - 8, y - 8, DRAG + 16, DRAG + 16);
        robot.mouseMove(x, y);
        Thread.sleep(300);
        int[] before = pixels(watched);
        robot.mousePress(InputEvent.BUTTON1_DOWN_MASK);
        long start = System.nanoTime();
        for (int step = 1; step <= 4; step++) {
            robot.mouseMove(x + step * DRAG / 4, y + step * DRAG / 4);
        }
        long deadline = start + timeoutMillis * 1_000_000;
        String answer = "timeout";
        while (System.nanoTime() < deadline) {
            if (!Arrays.equals(before, pixels(watched))) {
                answer = String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6);
                break;
            }
        }
        robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK);
        robot.mouseMove(x, y);
        Thread.sleep(500);
        return answer;
    }

    private int[] pixels(Rectangle area) {
        BufferedImage image = robot.createScreenCapture(area);
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static int colours(int[] pixels) {
        Set<Integer> seen = new HashSet<>();
        for (int rgb : pixels) {
            seen.add(rgb);
        }
        return seen.size();
    }

    private void type(String text) throws InterruptedException {
        for (char c : text.toCharArray()) {
            int symbol = SHIFTED.indexOf(c);
            boolean shift = Character.isUpperCase(c) || symbol >= 0;
            int key = keyCode(symbol >= 0 ? UNSHIFTED.charAt(symbol) : Character.toLowerCase(c));
            if (shift) {
                robot.keyPress(KeyEvent.VK_SHIFT);
            }
            robot.keyPress(key);
            robot.keyRelease(key);
            if (shift) {
                robot.keyRelease(KeyEvent.VK_SHIFT);
            }
            Thread.sleep(40);
        }
    }

    private static int keyCode(char c) {
        if (c == '\n') {
            return KeyEvent.VK_ENTER;
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            return KeyEvent.getExtendedKeyCodeForChar(c);
        }
        return switch (c) {
            case '`' -> KeyEvent.VK_BACK_QUOTE;
            case '-' -> KeyEvent.VK_MINUS;
            case '=' -> KeyEvent.VK_EQUALS;
            case '[' -> KeyEvent.VK_OPEN_BRACKET;
            case ']' -> KeyEvent.VK_CLOSE_BRACKET;
            case '\\' -> KeyEvent.VK_BACK_SLASH;
            case ';' -> KeyEvent.VK_SEMICOLON;
            case '\'' -> KeyEvent.VK_QUOTE;
            case ',' -> KeyEvent.VK_COMMA;
            case '.' -> KeyEvent.VK_PERIOD;
            case '/' -> KeyEvent.VK_SLASH;
            case ' ' -> KeyEvent.VK_SPACE;
            default -> throw new IllegalArgumentException("cannot type '" + c + "' on a US keyboard");
        };
    }
}
