package dev.asterism.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP echo service on a free loopback port: each connection gets back every byte it sends, and once it has
 * finished sending (a half close), the end of the echo. For tunnel tests and benchmarks that need "a member's port"
 * on this machine.
 */
public final class LoopbackEcho implements AutoCloseable {
    private final ServerSocket server;

    private LoopbackEcho(ServerSocket server) {
        this.server = server;
    }

    /** Listens on a free loopback port and serves until closed. */
    public static LoopbackEcho start() throws IOException {
        LoopbackEcho echo = new LoopbackEcho(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
        Thread.ofPlatform().name("loopback-echo").daemon().start(echo::serve);
        return echo;
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void serve() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread.ofVirtual().start(() -> {
                try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                    socket.setTcpNoDelay(true);
                    in.transferTo(out);
                    socket.shutdownOutput();
                } catch (IOException ignored) {
                    // The other side went away.
                }
            });
        }
    }
}
