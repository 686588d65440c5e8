package dev.asterism.protocol.tunnel;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One frame of a tunnel, carried as a binary WebSocket message on the agent channel (the agent protocol's JSON
 * messages are text). The server opens tunnels; the agent connects each to a port of its own guest and relays bytes.
 *
 * <p>Wire form: one byte kind, four bytes tunnel number (big-endian), then the kind's payload:
 * <ul>
 *   <li>{@code OPEN} (server to agent): two bytes port, four bytes window (how many bytes the agent may send
 *       before it gets {@code CREDIT});</li>
 *   <li>{@code OPENED} (agent to server): four bytes window the server may send;</li>
 *   <li>{@code DATA}: the bytes, at most {@link #MAX_DATA};</li>
 *   <li>{@code CREDIT}: four bytes, how many more bytes the peer may send (the receiver wrote that many on);</li>
 *   <li>{@code EOF}: nothing; the sender will send no more data (half close);</li>
 *   <li>{@code CLOSE}: a reason in UTF-8 (at most {@link #MAX_REASON_BYTES}); the tunnel is gone on both ends.</li>
 * </ul>
 */
public record TunnelFrame(Kind kind, int tunnel, byte[] payload) {

    /** The most bytes one {@code DATA} frame carries; with the header it stays below Jetty's 64 KiB default. */
    public static final int MAX_DATA = 60 * 1024;
    /** The longest {@code CLOSE} reason, in UTF-8 bytes. */
    public static final int MAX_REASON_BYTES = 200;
    private static final int HEADER = 5;

    /** What a frame says. Wire codes never change once released. */
    public enum Kind {
        OPEN(1), OPENED(2), DATA(3), CREDIT(4), EOF(5), CLOSE(6);

        private final byte code;

        Kind(int code) {
            this.code = (byte) code;
        }

        static Kind of(byte code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new ProtocolException(ProtocolException.Code.UNKNOWN_TYPE, "a tunnel frame of kind " + code
                    + " is not one this release knows: upgrade the agent and the server together");
        }
    }

    public TunnelFrame {
        requireNonNull(kind, "kind is null");
        requireNonNull(payload, "payload is null");
        int expected = switch (kind) {
            case OPEN -> 6;
            case OPENED, CREDIT -> 4;
            case EOF -> 0;
            case DATA, CLOSE -> -1;
        };
        if (expected >= 0 && payload.length != expected) {
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, "a " + kind + " tunnel frame carries "
                    + expected + " bytes, not " + payload.length);
        }
        if (kind == Kind.DATA && (payload.length == 0 || payload.length > MAX_DATA)) {
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, "a DATA tunnel frame carries 1 to "
                    + MAX_DATA + " bytes, not " + payload.length);
        }
        if (kind == Kind.CLOSE && payload.length > MAX_REASON_BYTES) {
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, "a CLOSE tunnel frame's reason is at"
                    + " most " + MAX_REASON_BYTES + " bytes");
        }
        if (kind == Kind.OPEN && (port(payload) == 0)) {
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, "an OPEN tunnel frame names port 1 to"
                    + " 65535");
        }
        if ((kind == Kind.OPEN || kind == Kind.OPENED || kind == Kind.CREDIT) && amount(kind, payload) <= 0) {
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, "a " + kind + " tunnel frame's window"
                    + " or credit must be positive");
        }
    }

    public static TunnelFrame open(int tunnel, int port, int window) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, not " + port);
        }
        return new TunnelFrame(Kind.OPEN, tunnel, ByteBuffer.allocate(6).putShort((short) port).putInt(window)
                .array());
    }

    public static TunnelFrame opened(int tunnel, int window) {
        return new TunnelFrame(Kind.OPENED, tunnel, ByteBuffer.allocate(4).putInt(window).array());
    }

    public static TunnelFrame data(int tunnel, byte[] bytes, int offset, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(bytes, offset, copy, 0, length);
        return new TunnelFrame(Kind.DATA, tunnel, copy);
    }

    public static TunnelFrame credit(int tunnel, int bytes) {
        return new TunnelFrame(Kind.CREDIT, tunnel, ByteBuffer.allocate(4).putInt(bytes).array());
    }

    public static TunnelFrame eof(int tunnel) {
        return new TunnelFrame(Kind.EOF, tunnel, new byte[0]);
    }

    /** A close with a reason for a person, cut to {@link #MAX_REASON_BYTES} bytes when longer. */
    public static TunnelFrame close(int tunnel, String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        String cut = reason;
        while (bytes.length > MAX_REASON_BYTES) {
            cut = cut.substring(0, cut.length() - 1);
            bytes = cut.getBytes(StandardCharsets.UTF_8);
        }
        return new TunnelFrame(Kind.CLOSE, tunnel, bytes);
    }

    /** The port of an {@code OPEN}. */
    public int port() {
        requireKind(Kind.OPEN);
        return port(payload);
    }

    /** The window of an {@code OPEN} or {@code OPENED}, or the credit of a {@code CREDIT}. */
    public int amount() {
        if (kind != Kind.OPEN && kind != Kind.OPENED && kind != Kind.CREDIT) {
            throw new IllegalStateException("a " + kind + " frame carries no window or credit");
        }
        return amount(kind, payload);
    }

    /** The reason of a {@code CLOSE}. */
    public String reason() {
        requireKind(Kind.CLOSE);
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The frame as one binary WebSocket message. */
    public ByteBuffer encode() {
        return ByteBuffer.allocate(HEADER + payload.length).put(kind.code).putInt(tunnel).put(payload).flip();
    }

    /**
     * A frame from one binary WebSocket message.
     *
     * @throws ProtocolException when the bytes are not a frame this release reads
     */
    public static TunnelFrame decode(ByteBuffer message) {
        if (message.remaining() < HEADER) {
            throw new ProtocolException(ProtocolException.Code.MALFORMED, "a tunnel frame has at least "
                    + HEADER + " bytes");
        }
        Kind kind = Kind.of(message.get());
        int tunnel = message.getInt();
        byte[] payload = new byte[message.remaining()];
        message.get(payload);
        return new TunnelFrame(kind, tunnel, payload);
    }

    private void requireKind(Kind wanted) {
        if (kind != wanted) {
            throw new IllegalStateException("a " + kind + " frame is not " + wanted);
        }
    }

    private static int port(byte[] payload) {
        return Short.toUnsignedInt(ByteBuffer.wrap(payload).getShort(0));
    }

    private static int amount(Kind kind, byte[] payload) {
        return ByteBuffer.wrap(payload).getInt(kind == Kind.OPEN ? 2 : 0);
    }

    @Override
    public String toString() {
        // Never the data: it is the user's.
        return "TunnelFrame[" + kind + " " + tunnel + ", " + payload.length + " bytes]";
    }
}
