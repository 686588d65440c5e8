package dev.asterism.realm.qemu;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Talks to the QEMU guest agent inside a VM, over its virtio-serial socket or through libvirt: whether the guest is
 * up, and running a command in it. For the realm's own checks and for tests; the Asterism agent does everything else
 * over its channel.
 */
public final class GuestAgentClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a command printed and how it ended. */
    public record Execution(int exitCode, String output, String errors) {}

    /** How one guest agent command reaches the guest and its answer comes back. */
    @FunctionalInterface
    public interface Transport {
        /** The answer to {@code command}; empty when none came within {@code wait}. */
        Optional<JsonNode> call(String command, Duration wait) throws IOException;
    }

    private final Transport transport;
    private final Path socket;

    /** Over the guest agent's virtio-serial socket, as QEMU exposes it. */
    public GuestAgentClient(Path socket) {
        this.socket = requireNonNull(socket, "socket is null");
        this.transport = this::callOverSocket;
    }

    /** Over another transport (libvirt's {@code qemuAgentCommand}). */
    public GuestAgentClient(Transport transport) {
        this.socket = null;
        this.transport = requireNonNull(transport, "transport is null");
    }

    /** For a VM of the realm: its guest agent's socket. */
    public static GuestAgentClient of(Path stateDirectory, String vmId) {
        return new GuestAgentClient(stateDirectory.resolve(vmId).resolve("qga.sock"));
    }

    /** Whether the guest agent answers within {@code wait}. */
    public boolean ping(Duration wait) {
        try {
            return call("{\"execute\":\"guest-ping\"}", wait).isPresent();
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Asks the guest to power off cleanly ({@code guest-shutdown}, which answers nothing when it works); false when
     * the guest agent is not there to ask.
     */
    public boolean shutdown() {
        if (socket == null) {
            throw new UnsupportedOperationException("shut the guest down through libvirt instead");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            write(channel, "{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until the guest agent answers, polling; false when it did not within {@code timeout}. */
    public boolean awaitPing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ping(Duration.ofSeconds(3))) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }

    /**
     * Runs a command in the guest as root and waits for it.
     *
     * @throws IOException when the guest agent does not answer or the command does not end within {@code timeout}
     */
    public Execution execute(List<String> command, Duration timeout) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode().put("execute", "guest-exec");
        ObjectNode arguments = request.putObject("arguments");
        arguments.put("path", command.get(0));
        command.subList(1, command.size()).forEach(arguments.putArray("arg")::add);
        arguments.put("capture-output", true);
        JsonNode started = call(JSON.writeValueAsString(request), Duration.ofSeconds(10))
                .orElseThrow(() -> new IOException("the guest agent did not start " + command.get(0)));
        long pid = started.path("return").path("pid").asLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = call("{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":" + pid + "}}",
                    Duration.ofSeconds(10)).orElseThrow(() -> new IOException("no status of " + command.get(0)));
            JsonNode result = status.path("return");
            if (result.path("exited").asBoolean()) {
                return new Execution(result.path("exitcode").asInt(-1), decode(result.path("out-data")),
                        decode(result.path("err-data")));
            }
            Thread.sleep(200);
        }
        throw new IOException(command.get(0) + " did not end within " + timeout.toSeconds() + " s in the guest");
    }

    private static String decode(JsonNode base64) {
        return base64.isMissingNode() ? "" : new String(Base64.getDecoder().decode(base64.asText()),
                StandardCharsets.UTF_8);
    }

    /**
     * Sends one command after a {@code guest-sync} (so that an answer left over from an earlier client is skipped)
     * and returns its answer; empty when none came within {@code wait}.
     */
    private Optional<JsonNode> call(String command, Duration wait) throws IOException {
        return transport.call(command, wait);
    }

    private Optional<JsonNode> callOverSocket(String command, Duration wait) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            long token = System.nanoTime() & 0x7fffffffL;
            write(channel, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":" + token + "}}");
            long deadline = System.nanoTime() + wait.toNanos();
            boolean synced = false;
            channel.configureBlocking(false);
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(65536);
            while (System.nanoTime() < deadline) {
                buffer.clear();
                int read = channel.read(buffer);
                if (read < 0) {
                    return Optional.empty();
                }
                if (read == 0) {
                    Thread.sleep(20);
                    continue;
                }
                pending.write(buffer.array(), 0, read);
                String text = pending.toString(StandardCharsets.UTF_8);
                int newline;
                while ((newline = text.indexOf('\n')) >= 0) {
                    String line = text.substring(0, newline).strip();
                    text = text.substring(newline + 1);
                    if (line.isEmpty()) {
                        continue;
                    }
                    JsonNode answer = JSON.readTree(line);
                    if (!synced) {
                        if (answer.path("return").asLong(-1) == token) {
                            synced = true;
                            channel.configureBlocking(true);
                            write(channel, command);
                            channel.configureBlocking(false);
                        }
                    } else {
                        return Optional.of(answer);
                    }
                }
                pending.reset();
                pending.write(text.getBytes(StandardCharsets.UTF_8));
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static void write(SocketChannel channel, String message) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((message + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }
}
