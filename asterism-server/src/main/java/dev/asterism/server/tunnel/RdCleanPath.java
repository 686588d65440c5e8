package dev.asterism.server.tunnel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * The RDCleanPath PDU, which a browser's RDP client (IronRDP's web client) sends through its WebSocket before any RDP
 * byte: one DER SEQUENCE of EXPLICIT context-tagged fields. The request carries the client's X.224 Connection Request,
 * where to connect and a token; the proxy answers with the server's X.224 Connection Confirm, the certificate chain of
 * the server's TLS and its address, or with an error. After the answer the WebSocket carries the RDP bytes that TLS
 * protected between the proxy and the server, in the clear.
 *
 * <p>Fields by tag: [0] version (3390), [1] error, [2] destination, [3] proxy auth token, [4] server auth (unused),
 * [5] pre-connection blob, [6] X.224 PDU, [7] server certificate chain (SEQUENCE OF OCTET STRING, leaf first),
 * [9] server address. The error is a SEQUENCE of [0] error code, [1] HTTP status, [2] WSA error, [3] TLS alert.
 * Written after IronRDP's {@code ironrdp-rdcleanpath} crate and Devolutions Gateway's {@code rd_clean_path.rs}.
 */
public record RdCleanPath(
        long version,
        Error error,
        String destination,
        String proxyAuth,
        String preconnectionBlob,
        byte[] x224,
        List<byte[]> serverCertificates,
        String serverAddress) {

    public static final long VERSION = 3390;
    /** The error code of every failure but a negotiation failure. */
    public static final int GENERAL_ERROR = 1;
    /** The most bytes a request may take: a token, a destination and an X.224 request fit many times over. */
    public static final int MAX_REQUEST_BYTES = 16 * 1024;

    /** Why the proxy could not connect: an HTTP status, a socket error (WSA code) or a TLS alert. */
    public record Error(int code, Integer httpStatus, Integer wsaLastError, Integer tlsAlert) {}

    /** A PDU that is not RDCleanPath, or not one this side accepts; the message says what is wrong. */
    public static final class MalformedException extends Exception {
        public MalformedException(String message) {
            super(message);
        }
    }

    public RdCleanPath {
        serverCertificates = serverCertificates == null ? null : List.copyOf(serverCertificates);
    }

    public static RdCleanPath request(String destination, String token, byte[] x224) {
        return new RdCleanPath(VERSION, null, destination, token, null, x224, null, null);
    }

    public static RdCleanPath response(byte[] x224Confirm, List<byte[]> serverCertificates, String serverAddress) {
        return new RdCleanPath(VERSION, null, null, null, null, x224Confirm, serverCertificates, serverAddress);
    }

    public static RdCleanPath httpError(int status) {
        return new RdCleanPath(VERSION, new Error(GENERAL_ERROR, status, null, null), null, null, null, null, null,
                null);
    }

    public static RdCleanPath socketError(int wsaCode) {
        return new RdCleanPath(VERSION, new Error(GENERAL_ERROR, null, wsaCode, null), null, null, null, null, null,
                null);
    }

    public static RdCleanPath tlsError(int alert) {
        return new RdCleanPath(VERSION, new Error(GENERAL_ERROR, null, null, alert), null, null, null, null, null,
                null);
    }

    public boolean isRequest() {
        return destination != null;
    }

    public byte[] encode() {
        ASN1EncodableVector fields = new ASN1EncodableVector();
        fields.add(tagged(0, new ASN1Integer(version)));
        if (error != null) {
            ASN1EncodableVector inner = new ASN1EncodableVector();
            inner.add(tagged(0, new ASN1Integer(error.code())));
            optional(inner, 1, error.httpStatus());
            optional(inner, 2, error.wsaLastError());
            optional(inner, 3, error.tlsAlert());
            fields.add(tagged(1, new DERSequence(inner)));
        }
        optional(fields, 2, destination);
        optional(fields, 3, proxyAuth);
        optional(fields, 5, preconnectionBlob);
        if (x224 != null) {
            fields.add(tagged(6, new DEROctetString(x224)));
        }
        if (serverCertificates != null) {
            ASN1EncodableVector chain = new ASN1EncodableVector();
            serverCertificates.forEach(certificate -> chain.add(new DEROctetString(certificate)));
            fields.add(tagged(7, new DERSequence(chain)));
        }
        optional(fields, 9, serverAddress);
        try {
            return new DERSequence(fields).getEncoded("DER");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How many bytes the PDU at the start of {@code buffer} takes once its header is there: the whole PDU is
     * {@code buffer[0..result)}. Empty while the header is incomplete.
     *
     * @throws MalformedException when the bytes cannot start an RDCleanPath PDU
     */
    public static Optional<Integer> detect(byte[] buffer, int length) throws MalformedException {
        if (length < 2) {
            return Optional.empty();
        }
        if ((buffer[0] & 0xff) != (BERTags.SEQUENCE | BERTags.CONSTRUCTED)) {
            throw new MalformedException("the first message is not an RDCleanPath PDU (a DER SEQUENCE): is the client"
                    + " IronRDP's web client?");
        }
        int first = buffer[1] & 0xff;
        if (first < 0x80) {
            return Optional.of(2 + first);
        }
        int octets = first & 0x7f;
        if (octets == 0 || octets > 3) {
            throw new MalformedException("the RDCleanPath PDU has a length of " + octets + " octets: at most "
                    + MAX_REQUEST_BYTES + " bytes are accepted");
        }
        if (length < 2 + octets) {
            return Optional.empty();
        }
        int content = 0;
        for (int i = 0; i < octets; i++) {
            content = content << 8 | buffer[2 + i] & 0xff;
        }
        return Optional.of(2 + octets + content);
    }

    /** @throws MalformedException when the bytes are not exactly one RDCleanPath PDU of this version */
    public static RdCleanPath decode(byte[] der) throws MalformedException {
        ASN1Sequence sequence;
        try {
            ASN1Primitive primitive = ASN1Primitive.fromByteArray(der);
            if (!(primitive instanceof ASN1Sequence found)) {
                throw new MalformedException("the RDCleanPath PDU is not a DER SEQUENCE");
            }
            sequence = found;
            if (sequence.getEncoded("DER").length != der.length) {
                throw new MalformedException("the RDCleanPath PDU is not in DER or has bytes after it");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedException("the RDCleanPath PDU cannot be parsed: " + e.getMessage());
        }
        Long version = null;
        Error error = null;
        String destination = null;
        String proxyAuth = null;
        String blob = null;
        byte[] x224 = null;
        List<byte[]> chain = null;
        String address = null;
        int lastTag = -1;
        for (ASN1Encodable element : sequence) {
            if (!(element instanceof ASN1TaggedObject tagged) || tagged.getTagClass() != BERTags.CONTEXT_SPECIFIC
                    || !tagged.isExplicit()) {
                throw new MalformedException("an RDCleanPath field is not an explicit context tag");
            }
            int tag = tagged.getTagNo();
            if (tag <= lastTag) {
                throw new MalformedException("RDCleanPath field [" + tag + "] is out of order or repeated");
            }
            lastTag = tag;
            ASN1Primitive value = tagged.getExplicitBaseObject().toASN1Primitive();
            switch (tag) {
                case 0 -> version = integer(value, "version").longValue();
                case 1 -> error = error(value);
                case 2 -> destination = text(value, "destination");
                case 3 -> proxyAuth = text(value, "proxy auth token");
                case 4 -> text(value, "server auth");
                case 5 -> blob = text(value, "pre-connection blob");
                case 6 -> x224 = octets(value, "X.224 PDU");
                case 7 -> chain = certificates(value);
                case 9 -> address = text(value, "server address");
                default -> throw new MalformedException("RDCleanPath field [" + tag + "] is unknown");
            }
        }
        if (version == null) {
            throw new MalformedException("the RDCleanPath PDU has no version");
        }
        if (version != VERSION) {
            throw new MalformedException("RDCleanPath version " + version + " is not supported: this server speaks "
                    + VERSION);
        }
        return new RdCleanPath(version, error, destination, proxyAuth, blob, x224, chain, address);
    }

    /** The request as a browser must send it: a destination, a token and the X.224 Connection Request. */
    public static RdCleanPath decodeRequest(byte[] der) throws MalformedException {
        RdCleanPath pdu = decode(der);
        if (pdu.error() != null || pdu.serverCertificates() != null || pdu.serverAddress() != null) {
            throw new MalformedException("the RDCleanPath PDU is an answer, not a request");
        }
        if (pdu.destination() == null) {
            throw new MalformedException("the RDCleanPath request names no destination");
        }
        if (pdu.proxyAuth() == null || pdu.proxyAuth().isEmpty()) {
            throw new MalformedException("the RDCleanPath request carries no ticket (proxy auth token)");
        }
        if (pdu.x224() == null || pdu.x224().length < 11) {
            throw new MalformedException("the RDCleanPath request carries no X.224 Connection Request");
        }
        return pdu;
    }

    private static DERTaggedObject tagged(int tag, ASN1Encodable value) {
        return new DERTaggedObject(true, tag, value);
    }

    private static void optional(ASN1EncodableVector fields, int tag, Integer value) {
        if (value != null) {
            fields.add(tagged(tag, new ASN1Integer(value)));
        }
    }

    private static void optional(ASN1EncodableVector fields, int tag, String value) {
        if (value != null) {
            fields.add(tagged(tag, new DERUTF8String(value)));
        }
    }

    private static java.math.BigInteger integer(ASN1Primitive value, String field) throws MalformedException {
        if (!(value instanceof ASN1Integer integer)) {
            throw new MalformedException("RDCleanPath " + field + " is not an INTEGER");
        }
        java.math.BigInteger number = integer.getValue();
        if (number.signum() < 0 || number.bitLength() > 32) {
            throw new MalformedException("RDCleanPath " + field + " is out of range");
        }
        return number;
    }

    private static String text(ASN1Primitive value, String field) throws MalformedException {
        if (!(value instanceof ASN1UTF8String text)) {
            throw new MalformedException("RDCleanPath " + field + " is not a UTF8String");
        }
        String string;
        try {
            string = text.getString();
        } catch (RuntimeException e) {
            throw new MalformedException("RDCleanPath " + field + " is not valid UTF-8");
        }
        // A decoder that replaces what is not UTF-8 instead: encoding the result again tells.
        if (!java.util.Arrays.equals(string.getBytes(StandardCharsets.UTF_8), content(value))) {
            throw new MalformedException("RDCleanPath " + field + " is not valid UTF-8");
        }
        return string;
    }

    /** The content octets of a primitive DER value, without its tag and length. */
    private static byte[] content(ASN1Primitive value) {
        try {
            byte[] encoded = value.getEncoded("DER");
            int headerLength = (encoded[1] & 0x80) == 0 ? 2 : 2 + (encoded[1] & 0x7f);
            return java.util.Arrays.copyOfRange(encoded, headerLength, encoded.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] octets(ASN1Primitive value, String field) throws MalformedException {
        if (!(value instanceof ASN1OctetString octets)) {
            throw new MalformedException("RDCleanPath " + field + " is not an OCTET STRING");
        }
        return octets.getOctets();
    }

    private static List<byte[]> certificates(ASN1Primitive value) throws MalformedException {
        if (!(value instanceof ASN1Sequence sequence)) {
            throw new MalformedException("the RDCleanPath certificate chain is not a SEQUENCE");
        }
        List<byte[]> chain = new ArrayList<>();
        for (ASN1Encodable certificate : sequence) {
            chain.add(octets(certificate.toASN1Primitive(), "certificate"));
        }
        return chain;
    }

    private static Error error(ASN1Primitive value) throws MalformedException {
        if (!(value instanceof ASN1Sequence sequence)) {
            throw new MalformedException("the RDCleanPath error is not a SEQUENCE");
        }
        Integer code = null;
        Integer http = null;
        Integer wsa = null;
        Integer tls = null;
        for (ASN1Encodable element : sequence) {
            if (!(element instanceof ASN1TaggedObject tagged) || !tagged.isExplicit()) {
                throw new MalformedException("an RDCleanPath error field is not an explicit context tag");
            }
            int number = integer(tagged.getExplicitBaseObject().toASN1Primitive(), "error field").intValue();
            switch (tagged.getTagNo()) {
                case 0 -> code = number;
                case 1 -> http = number;
                case 2 -> wsa = number;
                case 3 -> tls = number;
                default -> throw new MalformedException("RDCleanPath error field [" + tagged.getTagNo()
                        + "] is unknown");
            }
        }
        if (code == null) {
            throw new MalformedException("the RDCleanPath error has no code");
        }
        return new Error(code, http, wsa, tls);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RdCleanPath that && version == that.version
                && java.util.Arrays.equals(encode(), that.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        // The token is a credential: never printed.
        return "RdCleanPath[version=" + version + ", error=" + error + ", destination=" + destination
                + ", proxyAuth=" + (proxyAuth == null ? null : "***") + ", x224=" + (x224 == null ? null
                : x224.length + " bytes") + ", certificates=" + (serverCertificates == null ? null
                : serverCertificates.size()) + ", serverAddress=" + serverAddress + "]";
    }
}
