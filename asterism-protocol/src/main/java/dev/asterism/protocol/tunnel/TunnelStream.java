package dev.asterism.protocol.tunnel;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One end of a tunnel: a local byte stream (a TCP socket in the guest, a user's WebSocket at the server) joined to
 * the peer's end by {@link TunnelFrame}s over the agent channel, with credit-based flow control, so that one slow
 * tunnel never stalls the channel that many tunnels and the agent's own messages share.
 *
 * <p>Bytes from the local stream go out as {@code DATA} only while the peer has granted credit; bytes from the peer
 * are queued and written to the local stream by this end's own writer thread, and each write returns its length to
 * the peer as {@code CREDIT}. A peer that sends more than the window it was granted breaks the tunnel. Either side
 * may half-close ({@code EOF}); the tunnel ends when both have, or at the first {@code CLOSE}, error or
 * {@link #close(String)}. Safe for use by many threads.
 */
public final class TunnelStream {

    /** The local byte stream. */
    public interface Local {
        /** Writes bytes, blocking until they are taken. */
        void write(byte[] bytes) throws IOException;

        /** No more bytes will be written (half close). */
        void shutdownOutput() throws IOException;

        /** Closes the stream; the reason is for a person at the other end. Called once. */
        void close(String reason);
    }

    /** The way to the peer's end: sends one frame; false when the channel is gone. */
    public interface Peer {
        boolean send(TunnelFrame frame);
    }

    /** The close reason of a tunnel whose two sides both finished sending. */
    public static final String FINISHED = "both ends finished";

    /** The window an end grants by default: 1 MiB in flight per direction. */
    public static final int DEFAULT_WINDOW = 1 << 20;

    private static final byte[] END_OF_STREAM = new byte[0];

    private final int tunnel;
    private final Local local;
    private final Peer peer;
    private final int receiveWindow;
    private final Consumer<String> onClosed;
    private final LinkedBlockingQueue<byte[]> toLocal = new LinkedBlockingQueue<>();
    private final Object creditLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong bytesFromLocal = new AtomicLong();
    private final AtomicLong bytesToLocal = new AtomicLong();
    private long credit;
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile boolean localEnded;
    private volatile boolean peerEnded;
    private volatile String closeReason;

    /**
     * An end, with its writer thread started. It sends nothing until the peer grants a window ({@link #grant}).
     *
     * @param receiveWindow the window this end granted the peer (in its {@code OPEN} or {@code OPENED})
     * @param onClosed called once, with the reason, when the tunnel ends
     */
    public TunnelStream(int tunnel, Local local, Peer peer, int receiveWindow, Consumer<String> onClosed) {
        this.tunnel = tunnel;
        this.local = requireNonNull(local, "local is null");
        this.peer = requireNonNull(peer, "peer is null");
        this.onClosed = requireNonNull(onClosed, "onClosed is null");
        if (receiveWindow <= 0) {
            throw new IllegalArgumentException("receiveWindow must be positive");
        }
        this.receiveWindow = receiveWindow;
        Thread.ofVirtual().name("asterism-tunnel-" + tunnel + "-writer").start(this::writeToLocal);
    }

    public int tunnel() {
        return tunnel;
    }

    /** The peer allows this many more bytes (its {@code OPEN}/{@code OPENED} window, or a {@code CREDIT}). */
    public void grant(int bytes) {
        synchronized (creditLock) {
            credit += bytes;
            creditLock.notifyAll();
        }
    }

    /**
     * Sends bytes read from the local stream to the peer, waiting for credit as needed.
     *
     * @throws IOException when the tunnel is closed (before or while waiting) or the channel is gone
     */
    public void fromLocal(byte[] bytes, int offset, int length) throws IOException {
        int sent = 0;
        while (sent < length) {
            int chunk;
            synchronized (creditLock) {
                while (credit <= 0 && !closed.get()) {
                    try {
                        creditLock.wait();
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting to send on tunnel " + tunnel);
                    }
                }
                if (closed.get()) {
                    throw new IOException("tunnel " + tunnel + " is closed: " + closeReason);
                }
                chunk = (int) Math.min(Math.min(credit, length - sent), TunnelFrame.MAX_DATA);
                credit -= chunk;
            }
            if (!peer.send(TunnelFrame.data(tunnel, bytes, offset + sent, chunk))) {
                close("the agent channel closed");
                throw new IOException("tunnel " + tunnel + " is closed: the agent channel closed");
            }
            sent += chunk;
            bytesFromLocal.addAndGet(chunk);
            lastActivityNanos = System.nanoTime();
        }
    }

    /** The local stream ended: tells the peer ({@code EOF}); the tunnel ends once the peer's stream ended too. */
    public void localEnded() {
        if (closed.get() || localEnded) {
            return;
        }
        localEnded = true;
        peer.send(TunnelFrame.eof(tunnel));
        if (peerEnded) {
            finish(FINISHED);
        }
    }

    /** A frame from the peer for this tunnel: {@code DATA}, {@code CREDIT}, {@code EOF} or {@code CLOSE}. */
    public void onFrame(TunnelFrame frame) {
        switch (frame.kind()) {
            case DATA -> {
                if (closed.get()) {
                    return;
                }
                if (queued.addAndGet(frame.payload().length) > receiveWindow) {
                    close("the peer sent more than its window of " + receiveWindow + " bytes");
                    return;
                }
                toLocal.add(frame.payload());
            }
            case CREDIT, OPENED -> grant(frame.amount());
            case EOF -> toLocal.add(END_OF_STREAM);
            case CLOSE -> finish(frame.reason());
            case OPEN -> close("the peer opened tunnel " + tunnel + " twice");
        }
    }

    /** Ends the tunnel on both sides: the peer gets {@code CLOSE} with the reason. Closing twice does nothing. */
    public void close(String reason) {
        if (closed.get()) {
            return;
        }
        peer.send(TunnelFrame.close(tunnel, reason));
        finish(reason);
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Why the tunnel ended; null while it is open. */
    public String closeReason() {
        return closeReason;
    }

    /** Bytes read from the local stream and sent to the peer. */
    public long bytesFromLocal() {
        return bytesFromLocal.get();
    }

    /** Bytes from the peer written to the local stream. */
    public long bytesToLocal() {
        return bytesToLocal.get();
    }

    /** {@link System#nanoTime()} of the last byte carried either way (or of the start). */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    private void finish(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        synchronized (creditLock) {
            creditLock.notifyAll();
        }
        toLocal.add(END_OF_STREAM);
        local.close(reason);
        onClosed.accept(reason);
    }

    private void writeToLocal() {
        try {
            while (true) {
                byte[] bytes = toLocal.take();
                if (closed.get()) {
                    return;
                }
                if (bytes == END_OF_STREAM) {
                    peerEnded = true;
                    local.shutdownOutput();
                    if (localEnded) {
                        finish(FINISHED);
                    }
                    continue;
                }
                local.write(bytes);
                queued.addAndGet(-bytes.length);
                bytesToLocal.addAndGet(bytes.length);
                lastActivityNanos = System.nanoTime();
                peer.send(TunnelFrame.credit(tunnel, bytes.length));
            }
        } catch (IOException broken) {
            close("the connection ended: " + broken.getMessage());
        } catch (InterruptedException interrupted) {
            close("interrupted");
        }
    }
}
