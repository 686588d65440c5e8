package dev.asterism.server.tunnel;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.tunnel.TunnelStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One desktop in a browser: the RDCleanPath proxy between IronRDP's web client, on a WebSocket, and a member's RDP
 * server, through a tunnel. The browser's first bytes are one {@link RdCleanPath} request with its ticket and its
 * X.224 Connection Request; the bridge opens the tunnel (which checks the ticket), forwards the request, reads the
 * server's Connection Confirm (one TPKT), runs TLS with the RDP server as its client, answers the browser with the
 * confirm and the server's certificate chain, and from then on carries RDP both ways: encrypted towards the member,
 * in the clear on the browser's WebSocket, which the browser's own TLS to this server protects.
 *
 * <p>The RDP server is the member's own: the agent at the other end of the tunnel connects only to its own port, over
 * the agent channel whose mutual TLS the server checks, so its self-signed certificate is taken as it is. Failures before the answer reach the browser as an RDCleanPath error (an HTTP status or a
 * TLS alert) and close it with the reason; afterwards as the close reason. Safe for the two threads that feed it (the
 * browser's WebSocket and the tunnel's writer).
 */
public final class DesktopBridge {

    /** Opens the tunnel for a request whose ticket holds. */
    public interface Opener {
        /** @throws Refused when the ticket or the caller is refused, or the member cannot be reached */
        TunnelStream open(RdCleanPath request, TunnelStream.Local member) throws Refused;
    }

    /** Why a tunnel was not opened, with the HTTP status the browser's client is told. */
    public static final class Refused extends Exception {
        private final int httpStatus;

        public Refused(int httpStatus, String message) {
            super(message);
            this.httpStatus = httpStatus;
        }
    }

    /** The largest X.224 Connection Confirm accepted: a real one is 19 bytes. */
    static final int MAX_CONFIRM_BYTES = 512;
    /** TLS alert handshake_failure (RFC 8446), sent to the browser when TLS with the member fails. */
    static final int TLS_HANDSHAKE_FAILURE = 40;

    private static final Logger LOG = Logger.getLogger(DesktopBridge.class.getName());
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    private static final int PROTOCOL_RDP = 0;

    private enum State { REQUEST, CONFIRM, HANDSHAKE, RELAY, CLOSED }

    private final TunnelStream.Local browser;
    private final Opener opener;
    private final String serverAddress;
    private final MemberEnd member = new MemberEnd();
    private State state = State.REQUEST;
    private byte[] pending = new byte[256];
    private int pendingLength;
    private byte[] confirm;
    private TunnelStream stream;
    private SSLEngine engine;
    private ByteBuffer fromMember;
    private ByteBuffer decrypted;
    private ByteBuffer toMember;

    /**
     * @param browser the browser's WebSocket: binary messages and a close with a reason
     * @param serverAddress the address the answer names for the RDP server (the client shows it)
     */
    public DesktopBridge(TunnelStream.Local browser, Opener opener, String serverAddress) {
        this.browser = requireNonNull(browser, "browser is null");
        this.opener = requireNonNull(opener, "opener is null");
        this.serverAddress = requireNonNull(serverAddress, "serverAddress is null");
    }

    /** Bytes from the browser's WebSocket. */
    public synchronized void fromBrowser(byte[] bytes, int offset, int length) {
        try {
            switch (state) {
                case REQUEST -> request(bytes, offset, length);
                case CONFIRM, HANDSHAKE -> refuse(400, "the browser sent RDP before the desktop's answer");
                case RELAY -> wrap(ByteBuffer.wrap(bytes, offset, length));
                case CLOSED -> { }
            }
        } catch (IOException closed) {
            close("the connection to the desktop ended: " + closed.getMessage());
        }
    }

    /** The browser's WebSocket closed, or the desktop must end: closes the tunnel and the browser. */
    public void close(String reason) {
        TunnelStream open;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            open = stream;
            if (engine != null) {
                engine.closeOutbound();
            }
        }
        if (open != null) {
            open.close(reason);
        }
        browser.close(reason);
    }

    private void request(byte[] bytes, int offset, int length) throws IOException {
        append(bytes, offset, length);
        Optional<Integer> size;
        RdCleanPath request;
        try {
            size = RdCleanPath.detect(pending, pendingLength);
            if (size.isPresent() && size.get() > RdCleanPath.MAX_REQUEST_BYTES) {
                throw new RdCleanPath.MalformedException("the RDCleanPath request is larger than "
                        + RdCleanPath.MAX_REQUEST_BYTES + " bytes");
            }
            if (size.isEmpty() || pendingLength < size.get()) {
                if (pendingLength > RdCleanPath.MAX_REQUEST_BYTES) {
                    throw new RdCleanPath.MalformedException("the RDCleanPath request is larger than "
                            + RdCleanPath.MAX_REQUEST_BYTES + " bytes");
                }
                return;
            }
            if (pendingLength > size.get()) {
                throw new RdCleanPath.MalformedException("the browser sent bytes after its RDCleanPath request"
                        + " before the answer");
            }
            request = RdCleanPath.decodeRequest(Arrays.copyOf(pending, pendingLength));
        } catch (RdCleanPath.MalformedException malformed) {
            refuse(400, malformed.getMessage());
            return;
        }
        pending = new byte[MAX_CONFIRM_BYTES];
        pendingLength = 0;
        try {
            stream = opener.open(request, member);
        } catch (Refused refused) {
            refuse(refused.httpStatus, refused.getMessage());
            return;
        }
        state = State.CONFIRM;
        stream.fromLocal(request.x224(), 0, request.x224().length);
    }

    private void onMemberBytes(byte[] bytes) throws IOException {
        switch (state) {
            case CONFIRM -> confirm(bytes);
            case HANDSHAKE, RELAY -> {
                fromMember = room(fromMember, bytes.length);
                fromMember.put(bytes);
                pump();
            }
            case REQUEST, CLOSED -> { }
        }
    }

    /** Reads the X.224 Connection Confirm, one TPKT, and starts TLS. */
    private void confirm(byte[] bytes) throws IOException {
        if (pendingLength + bytes.length > MAX_CONFIRM_BYTES) {
            refuse(502, "the desktop's RDP server answered with more than " + MAX_CONFIRM_BYTES + " bytes before TLS");
            return;
        }
        append(bytes, 0, bytes.length);
        if (pendingLength < 4) {
            return;
        }
        if (pending[0] != 3 || pending[1] != 0) {
            refuse(502, "the desktop's RDP server did not answer with an X.224 Connection Confirm");
            return;
        }
        int length = (pending[2] & 0xff) << 8 | pending[3] & 0xff;
        if (length < 11 || length > MAX_CONFIRM_BYTES) {
            refuse(502, "the desktop's RDP server answered with a TPKT of " + length + " bytes");
            return;
        }
        if (pendingLength < length) {
            return;
        }
        if (pendingLength > length) {
            refuse(502, "the desktop's RDP server sent bytes after its Connection Confirm before TLS");
            return;
        }
        confirm = Arrays.copyOf(pending, length);
        String refusal = negotiationRefusal(confirm);
        if (refusal != null) {
            refuse(502, refusal);
            return;
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyServer()}, null);
            engine = context.createSSLEngine(serverAddress, 3389);
            engine.setUseClientMode(true);
            int packet = engine.getSession().getPacketBufferSize();
            fromMember = ByteBuffer.allocate(packet);
            decrypted = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            toMember = ByteBuffer.allocate(packet);
            engine.beginHandshake();
        } catch (GeneralSecurityException | SSLException e) {
            refuseTls(TLS_HANDSHAKE_FAILURE, "could not start TLS with the desktop: " + e.getMessage());
            return;
        }
        state = State.HANDSHAKE;
        pump();
    }

    /** Why the confirm does not let the bridge run TLS, or null: the server must have chosen TLS or CredSSP. */
    private static String negotiationRefusal(byte[] confirm) {
        // TPKT (4), X.224 CC header (7), then RDP_NEG_RSP or RDP_NEG_FAILURE: type, flags, length (2), value (4).
        if (confirm.length < 19 || (confirm[5] & 0xf0) != 0xd0) {
            return "the desktop's RDP server offers only standard RDP security, without TLS: it cannot be reached"
                    + " from a browser";
        }
        int type = confirm[11] & 0xff;
        int value = confirm[15] & 0xff | (confirm[16] & 0xff) << 8 | (confirm[17] & 0xff) << 16
                | (confirm[18] & 0xff) << 24;
        if (type == 3) {
            return "the desktop's RDP server refused the security the browser asked for (failure code " + value + ")";
        }
        if (type != 2 || value == PROTOCOL_RDP) {
            return "the desktop's RDP server chose standard RDP security, without TLS: it cannot be reached from a"
                    + " browser";
        }
        return null;
    }

    /** Moves TLS on as far as the bytes at hand allow: handshake, then application data. */
    private void pump() throws IOException {
        while (state == State.HANDSHAKE || state == State.RELAY) {
            HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> wrap(NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrap()) {
                        return;
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    if (state == State.HANDSHAKE) {
                        answer();
                    }
                    if (fromMember.position() == 0 || !unwrap()) {
                        return;
                    }
                }
            }
        }
    }

    /** Unwraps one record if the bytes at hand hold one; false when more are needed. */
    private boolean unwrap() throws IOException {
        fromMember.flip();
        SSLEngineResult result;
        try {
            result = engine.unwrap(fromMember, decrypted);
        } catch (SSLHandshakeException refused) {
            fromMember.compact();
            refuseTls(TLS_HANDSHAKE_FAILURE, "TLS with the desktop failed: " + refused.getMessage());
            return false;
        } catch (SSLException broken) {
            fromMember.compact();
            throw new IOException("TLS with the desktop failed: " + broken.getMessage(), broken);
        }
        fromMember.compact();
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (fromMember.position() == fromMember.capacity()) {
                    fromMember = room(fromMember, engine.getSession().getPacketBufferSize());
                }
                return false;
            }
            case BUFFER_OVERFLOW -> {
                decrypted = room(decrypted, engine.getSession().getApplicationBufferSize());
                return true;
            }
            case CLOSED -> {
                close("the desktop's RDP server ended the connection");
                return false;
            }
            case OK -> {
                if (decrypted.position() > 0) {
                    decrypted.flip();
                    byte[] plain = new byte[decrypted.remaining()];
                    decrypted.get(plain);
                    decrypted.clear();
                    if (state != State.RELAY) {
                        // Application data before the handshake ended: TLS does not allow it.
                        throw new IOException("the desktop's RDP server sent data during the TLS handshake");
                    }
                    browser.write(plain);
                }
                return result.bytesConsumed() > 0 || result.bytesProduced() > 0
                        || result.getHandshakeStatus() == HandshakeStatus.NEED_TASK
                        || result.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
            }
        }
        return false;
    }

    /** Encrypts {@code plain} (nothing: the handshake's next message) and sends it to the member. */
    private void wrap(ByteBuffer plain) throws IOException {
        do {
            toMember.clear();
            SSLEngineResult result = engine.wrap(plain, toMember);
            switch (result.getStatus()) {
                case BUFFER_OVERFLOW -> {
                    toMember = ByteBuffer.allocate(toMember.capacity() * 2);
                    continue;
                }
                case CLOSED -> throw new IOException("TLS with the desktop is closed");
                case OK, BUFFER_UNDERFLOW -> { }
            }
            toMember.flip();
            if (toMember.hasRemaining()) {
                stream.fromLocal(toMember.array(), toMember.arrayOffset() + toMember.position(), toMember.remaining());
            }
            if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                return;
            }
        } while (plain.hasRemaining());
    }

    /** TLS with the member is up: the browser gets the confirm and the certificate chain. */
    private void answer() throws IOException {
        List<byte[]> chain = new ArrayList<>();
        try {
            for (Certificate certificate : engine.getSession().getPeerCertificates()) {
                chain.add(certificate.getEncoded());
            }
        } catch (CertificateEncodingException | javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IOException("the desktop's RDP server sent no usable certificate", e);
        }
        state = State.RELAY;
        browser.write(RdCleanPath.response(confirm, chain, serverAddress).encode());
        LOG.fine(() -> "desktop TLS up with " + serverAddress + " (" + engine.getSession().getProtocol() + ")");
    }

    /** Answers the browser's request with an error and ends the desktop. */
    private void refuse(int httpStatus, String reason) {
        answerWithError(RdCleanPath.httpError(httpStatus), reason);
    }

    private void refuseTls(int alert, String reason) {
        answerWithError(RdCleanPath.tlsError(alert), reason);
    }

    private void answerWithError(RdCleanPath error, String reason) {
        if (state == State.REQUEST || state == State.CONFIRM || state == State.HANDSHAKE) {
            try {
                browser.write(error.encode());
            } catch (IOException gone) {
                LOG.log(Level.FINE, "the browser left before the desktop's error", gone);
            }
        }
        close(reason);
    }

    private void append(byte[] bytes, int offset, int length) {
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
        }
        System.arraycopy(bytes, offset, pending, pendingLength, length);
        pendingLength += length;
    }

    private static ByteBuffer room(ByteBuffer buffer, int more) {
        if (buffer.remaining() >= more) {
            return buffer;
        }
        ByteBuffer larger = ByteBuffer.allocate(buffer.position() + Math.max(more, buffer.capacity()));
        buffer.flip();
        larger.put(buffer);
        return larger;
    }

    /** The tunnel's end: bytes from the member's RDP server. */
    private final class MemberEnd implements TunnelStream.Local {
        @Override
        public void write(byte[] bytes) throws IOException {
            synchronized (DesktopBridge.this) {
                onMemberBytes(bytes);
            }
        }

        @Override
        public void shutdownOutput() {
            close("the desktop's RDP server ended the connection");
        }

        @Override
        public void close(String reason) {
            synchronized (DesktopBridge.this) {
                if (state == State.CONFIRM || state == State.HANDSHAKE) {
                    try {
                        browser.write(RdCleanPath.httpError(502).encode());
                    } catch (IOException gone) {
                        LOG.log(Level.FINE, "the browser left before the desktop's error", gone);
                    }
                }
            }
            DesktopBridge.this.close(reason);
        }
    }

    /**
     * Takes the member's RDP server as it is: its self-signed certificate proves nothing that the agent channel
     * has not proved already (the tunnel reaches only the member's own port, over the channel's mutual TLS).
     */
    private static final class AnyServer implements X509TrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // Trusted through the agent channel; see the class comment.
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the desktop bridge is a TLS client only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
