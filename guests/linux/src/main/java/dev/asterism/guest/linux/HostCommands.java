package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the guest's own tools ({@code nft}, {@code conntrack}), each command with a deadline. Commands can be run
 * through a prefix, such as {@code ip netns exec NAME} for a guest that is a network namespace.
 */
public final class HostCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** What a command printed and how it ended. */
    public record Result(int exitCode, String output, String errors) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private final List<String> prefix;

    /** Commands run as they are, on this host. */
    public static HostCommands local() {
        return new HostCommands(List.of());
    }

    /** Commands run inside the network namespace {@code name}. */
    public static HostCommands inNetworkNamespace(String name) {
        return new HostCommands(List.of("ip", "netns", "exec", requireNonNull(name, "name is null")));
    }

    private HostCommands(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /**
     * Runs {@code command} with {@code input} on its standard input (or none when null).
     *
     * @throws GuestException {@code UNAVAILABLE} when the tool is missing or does not finish in time
     */
    public Result run(List<String> command, String input) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new GuestException(GuestException.Code.UNAVAILABLE, "cannot run " + command.getFirst() + ": "
                    + e.getMessage() + " (install it: apt-get install nftables conntrack)");
        }
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The command did not read its input; its exit status tells the rest.
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> copy(process.getInputStream(), output));
        Thread errReader = Thread.ofVirtual().start(() -> copy(process.getErrorStream(), errors));
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new GuestException(GuestException.Code.UNAVAILABLE,
                        String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            outReader.join();
            errReader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new GuestException(GuestException.Code.UNAVAILABLE, "interrupted while running " + command.getFirst());
        }
        return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8),
                errors.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream from, ByteArrayOutputStream to) {
        try (from) {
            from.transferTo(to);
        } catch (IOException e) {
            // The process went away; what was read is kept.
        }
    }
}
