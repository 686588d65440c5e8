package dev.asterism.guest.windows;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How the Windows platform runs PowerShell. Every script of the platform is a fixed text shipped in this jar
 * ({@code *.ps1} beside this class): what varies (names, addresses, keys, one-time passwords) reaches it only as
 * environment variables named {@code ASTERISM_*}, so that no value can change what a script does, and no secret is
 * ever on a command line or in a script's text.
 */
public interface PowerShell {

    /** What a script printed and how it ended. */
    record Result(int exitCode, String output) {
        public Result {
            requireNonNull(output, "output is null");
        }

        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /**
     * Runs a script to its end.
     *
     * @param name the script's name, for messages
     * @param environment variables set for the script only, in a stable order
     * @throws GuestException {@code TIMEOUT} when it ran out of time (it was stopped), {@code UNAVAILABLE} when
     *     PowerShell cannot be started
     */
    Result run(String name, String script, Map<String, String> environment, Duration timeout);

    /** The script of that name from this jar ({@code NAME.ps1}). */
    static String script(String name) {
        try (InputStream in = PowerShell.class.getResourceAsStream(name + ".ps1")) {
            if (in == null) {
                throw new IllegalStateException("the Windows script " + name + ".ps1 is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Windows PowerShell 5.1 of this machine: {@code powershell.exe -EncodedCommand}, as SYSTEM like the agent. */
    static PowerShell local() {
        return (name, script, environment, timeout) -> {
            // -EncodedCommand takes the script as base64 of UTF-16LE: no quoting, and nothing on disk.
            String encoded = Base64.getEncoder().encodeToString(
                    ("$ErrorActionPreference = 'Stop'\n" + script).getBytes(StandardCharsets.UTF_16LE));
            ProcessBuilder builder = new ProcessBuilder(List.of("powershell.exe", "-NoProfile", "-NonInteractive",
                    "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded)).redirectErrorStream(true);
            Map<String, String> variables = new LinkedHashMap<>(environment);
            builder.environment().putAll(variables);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new GuestException(GuestException.Code.UNAVAILABLE, "cannot start powershell.exe for " + name
                        + ": " + e.getMessage());
            }
            try {
                process.getOutputStream().close();
                // Read beside the wait, so that a script that never ends still meets its timeout.
                java.util.concurrent.CompletableFuture<byte[]> printed = new java.util.concurrent.CompletableFuture<>();
                Process running = process;
                Thread.ofVirtual().start(() -> {
                    try (InputStream out = running.getInputStream()) {
                        printed.complete(out.readAllBytes());
                    } catch (IOException e) {
                        printed.complete(new byte[0]);
                    }
                });
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new GuestException(GuestException.Code.TIMEOUT, name + " did not finish within "
                            + timeout.toSeconds() + " s and was stopped");
                }
                byte[] output = printed.get(10, TimeUnit.SECONDS);
                return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
            } catch (IOException | java.util.concurrent.ExecutionException
                    | java.util.concurrent.TimeoutException e) {
                throw new GuestException(GuestException.Code.UNAVAILABLE, name + " failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new GuestException(GuestException.Code.UNAVAILABLE, name + " was interrupted");
            }
        };
    }
}
