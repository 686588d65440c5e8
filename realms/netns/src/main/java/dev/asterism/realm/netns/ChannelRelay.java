package dev.asterism.realm.netns;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one way out of a netns host: a Unix socket on this machine, seen by every host, whose connections this relay
 * carries to the server's agent port on loopback. Inside a host, {@code socat} listens on the agent port of its own
 * loopback and connects to the socket, so the agent dials the same {@code wss://127.0.0.1:PORT} URL as anywhere else,
 * and the host has no network path to anything. The socket belongs to the server process: it goes with it and comes
 * back when the server starts again, while the hosts and their agents keep running.
 */
final class ChannelRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChannelRelay.class.getName());

    private final Path socket;
    private final InetSocketAddress target;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    ChannelRelay(Path socket, InetSocketAddress target) throws IOException {
        this.socket = requireNonNull(socket, "socket is null");
        this.target = requireNonNull(target, "target is null");
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        acceptor = Thread.ofVirtual().name("netns-channel-relay").start(this::accept);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel inside = server.accept();
                Thread.ofVirtual().start(() -> relay(inside));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(Level.WARNING, "the netns channel relay could not accept a connection", e);
                }
            }
        }
    }

    private void relay(SocketChannel inside) {
        try (inside; SocketChannel outside = SocketChannel.open(target)) {
            Thread back = Thread.ofVirtual().start(() -> copy(outside, inside));
            copy(inside, outside);
            back.join();
        } catch (IOException e) {
            LOG.log(Level.FINE, "a netns agent connection ended", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies until the end of {@code from}, then half-closes {@code to}, so each direction ends on its own. */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // Both ends are going away.
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            acceptor.join();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing the netns channel relay", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
