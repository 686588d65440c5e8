package dev.asterism.agent.tunnel;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.tunnel.TunnelFrame;
import dev.asterism.protocol.tunnel.TunnelStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's ends of the tunnels the server opens: each {@code OPEN} connects to a port on this guest's loopback
 * (the member's own RDP service, for example) and relays its bytes as {@link TunnelFrame}s. The agent only ever
 * connects to its own guest: the server decides who may open which port, and nothing here reaches another host.
 */
public final class GuestTunnels implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GuestTunnels.class.getName());
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final String host;
    private final TunnelStream.Peer server;
    private final Map<Integer, TunnelStream> open = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param host where the tunnels end: {@code 127.0.0.1} in a guest
     * @param server sends a frame to the server
     */
    public GuestTunnels(String host, TunnelStream.Peer server) {
        this.host = requireNonNull(host, "host is null");
        this.server = requireNonNull(server, "server is null");
    }

    /** A frame from the server. Never blocks: connecting and writing happen on each tunnel's own threads. */
    public void onFrame(TunnelFrame frame) {
        if (frame.kind() == TunnelFrame.Kind.OPEN) {
            Thread.ofVirtual().name("asterism-tunnel-" + frame.tunnel() + "-connect").start(() -> connect(frame));
            return;
        }
        TunnelStream stream = open.get(frame.tunnel());
        if (stream != null) {
            stream.onFrame(frame);
        } else if (frame.kind() != TunnelFrame.Kind.CLOSE && frame.kind() != TunnelFrame.Kind.CREDIT) {
            server.send(TunnelFrame.close(frame.tunnel(), "the agent has no tunnel " + frame.tunnel()));
        }
    }

    /** How many tunnels are open now. */
    public int openCount() {
        return open.size();
    }

    /** Closes every tunnel (the agent stops; its channel is closing). */
    @Override
    public void close() {
        closed = true;
        for (TunnelStream stream : open.values()) {
            stream.close("the member's agent stopped");
        }
    }

    private void connect(TunnelFrame request) {
        int tunnel = request.tunnel();
        int port = request.port();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
        } catch (IOException failed) {
            closeQuietly(socket);
            server.send(TunnelFrame.close(tunnel, "nothing answers on port " + port + " in the member ("
                    + failed.getMessage() + ")"));
            return;
        }
        TunnelStream stream;
        try {
            stream = new TunnelStream(tunnel, new SocketLocal(socket), server, TunnelStream.DEFAULT_WINDOW,
                    reason -> open.remove(tunnel));
        } catch (IOException failed) {
            closeQuietly(socket);
            server.send(TunnelFrame.close(tunnel, "cannot use the connection to port " + port + ": "
                    + failed.getMessage()));
            return;
        }
        if (open.putIfAbsent(tunnel, stream) != null || closed) {
            stream.close(closed ? "the member's agent stopped" : "tunnel " + tunnel + " is open already");
            return;
        }
        stream.grant(request.amount());
        server.send(TunnelFrame.opened(tunnel, TunnelStream.DEFAULT_WINDOW));
        LOG.log(Level.INFO, "tunnel {0} to port {1} opened", tunnel, port);
        readFromSocket(socket, stream);
    }

    private static void readFromSocket(Socket socket, TunnelStream stream) {
        byte[] buffer = new byte[TunnelFrame.MAX_DATA];
        // Not try-with-resources: closing the input stream closes the socket, and after the service's half close
        // the user's bytes may still be on their way to it.
        try {
            InputStream in = socket.getInputStream();
            int read;
            while ((read = in.read(buffer)) >= 0) {
                stream.fromLocal(buffer, 0, read);
            }
            stream.localEnded();
        } catch (IOException ended) {
            stream.close(stream.isClosed() ? String.valueOf(stream.closeReason())
                    : "the member's side of the connection ended: " + ended.getMessage());
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing was relayed on it.
        }
    }

    /** A TCP connection in the guest as a tunnel's local stream. */
    private static final class SocketLocal implements TunnelStream.Local {
        private final Socket socket;
        private final OutputStream out;

        SocketLocal(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close(String reason) {
            closeQuietly(socket);
        }
    }
}
