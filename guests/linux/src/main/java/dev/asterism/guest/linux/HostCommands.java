package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the guest's own tools ({@code nft}, {@code samba-tool}, {@code wg}), each command with a deadline, and reads
 * and writes the guest's files with them. On a real guest the commands run as they are; for a guest that is a set of
 * namespaces on this machine they run through {@code nsenter}, so that they see the guest's network, host name and
 * files. The platform never touches a guest file through Java's own file system calls, so the same code works both
 * ways.
 */
public final class HostCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** What a command printed and how it ended. */
    public record Result(int exitCode, byte[] stdout, String errors) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** The standard output as text. */
        public String output() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Both outputs, trimmed, for an error message. */
        public String printed() {
            return (output().strip() + "\n" + errors.strip()).strip();
        }
    }

    private final List<String> prefix;

    /** Commands run as they are, on this host. */
    public static HostCommands local() {
        return new HostCommands(List.of());
    }

    /** Commands run inside the network namespace {@code name}, with this machine's files. */
    public static HostCommands inNetworkNamespace(String name) {
        return new HostCommands(List.of("ip", "netns", "exec", requireNonNull(name, "name is null")));
    }

    /** Commands run inside the network, UTS and mount namespaces bound at these files. */
    public static HostCommands entering(Path network, Path uts, Path mount) {
        return new HostCommands(List.of("nsenter", "--net=" + network, "--uts=" + uts, "--mount=" + mount, "--"));
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
        return run(command, input == null ? null : input.getBytes(StandardCharsets.UTF_8), Map.of(), TIMEOUT);
    }

    /**
     * Runs {@code command} with {@code input} on its standard input (or none when null), with {@code environment}
     * added to the caller's, stopping it after {@code timeout}.
     *
     * @throws GuestException {@code UNAVAILABLE} when the tool is missing, {@code TIMEOUT} when it does not finish
     */
    public Result run(List<String> command, byte[] input, Map<String, String> environment, Duration timeout) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new GuestException(Code.UNAVAILABLE, "cannot run " + argv.getFirst() + ": " + e.getMessage()
                    + " (install it: apt-get install " + LinuxPackages.hintFor(argv.getFirst()) + ")");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> copy(process.getInputStream(), output));
        Thread errReader = Thread.ofVirtual().start(() -> copy(process.getErrorStream(), errors));
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input);
            }
        } catch (IOException e) {
            // The command did not read its input; its exit status tells the rest.
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new GuestException(Code.TIMEOUT,
                        command.getFirst() + " did not finish within " + timeout.toSeconds() + " s and was stopped");
            }
            outReader.join();
            errReader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new GuestException(Code.UNAVAILABLE, "interrupted while running " + command.getFirst());
        }
        String missing = tooMissing(process.exitValue(), errors.toString(StandardCharsets.UTF_8), command.getFirst());
        if (missing != null) {
            throw new GuestException(Code.UNAVAILABLE, missing);
        }
        return new Result(process.exitValue(), output.toByteArray(), errors.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code command} and returns its output.
     *
     * @throws GuestException {@code UNAVAILABLE} naming {@code what} and what the tool printed when it fails
     */
    public String require(List<String> command, String what) {
        Result result = run(command, null);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot " + what + ": " + result.printed());
        }
        return result.output();
    }

    /** The content of the guest's file {@code path}, or empty when it does not exist. */
    public Optional<byte[]> readFile(String path) {
        Result result = run(List.of("sh", "-c", "[ -e \"$1\" ] || exit 3; exec cat \"$1\"", "sh", path), null,
                Map.of(), TIMEOUT);
        if (result.exitCode() == 3) {
            return Optional.empty();
        }
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot read " + path + ": " + result.printed());
        }
        return Optional.of(result.stdout());
    }

    /** {@link #readFile} as UTF-8 text. */
    public Optional<String> readText(String path) {
        return readFile(path).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * Replaces the guest's file {@code path} with {@code content} atomically, readable by root only (mode 0600),
     * creating its directory (mode 0700) when needed.
     */
    public void writeFile(String path, byte[] content) {
        Result result = run(List.of("sh", "-c", "umask 077 && mkdir -p \"$(dirname \"$1\")\" && cat > \"$1.new\""
                + " && mv -f \"$1.new\" \"$1\"", "sh", path), content, Map.of(), TIMEOUT);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot write " + path + ": " + result.printed());
        }
    }

    /** {@link #writeFile} with UTF-8 text. */
    public void writeText(String path, String content) {
        writeFile(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Deletes the guest's file or directory tree {@code path}; deleting what is not there succeeds. */
    public void delete(String path) {
        Result result = run(List.of("rm", "-rf", "--", path), null);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot delete " + path + ": " + result.printed());
        }
    }

    private String tooMissing(int exitCode, String errors, String tool) {
        // nsenter and ip netns exec run the tool themselves and say so when it is missing.
        boolean missing = exitCode == 127 && !prefix.isEmpty()
                && (errors.contains("failed to execute " + tool) || errors.contains("exec of \"" + tool));
        return missing ? "cannot run " + tool + " in the guest: " + errors.strip() + " (install it: apt-get install "
                + LinuxPackages.hintFor(tool) + ")" : null;
    }

    private static void copy(InputStream from, ByteArrayOutputStream to) {
        try (from) {
            from.transferTo(to);
        } catch (IOException e) {
            // The process went away; what was read is kept.
        }
    }
}
