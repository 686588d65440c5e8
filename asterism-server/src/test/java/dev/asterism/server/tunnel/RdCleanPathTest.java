package dev.asterism.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The RDCleanPath PDU against byte fixtures laid out as IronRDP's {@code ironrdp-rdcleanpath} crate encodes them
 * (its test suite's error PDUs are among them), and malformed PDUs, each refused with a reason.
 */
class RdCleanPathTest {
    private static final HexFormat HEX = HexFormat.of();
    /** A client's X.224 Connection Request asking for TLS and CredSSP. */
    private static final String CONNECTION_REQUEST = "030000130ee000000000000100080003000000";
    /** A server's X.224 Connection Confirm selecting TLS. */
    private static final String CONNECTION_CONFIRM = "030000130ed000001234000200080001000000";
    private static final String REQUEST = "302fa00402020d3ea2090c0777313a33333839a3050c03746f6ba6150413"
            + CONNECTION_REQUEST;
    private static final String RESPONSE = "3039a00402020d3ea6150413" + CONNECTION_CONFIRM
            + "a709300704053003020101a90f0c0d31302e302e302e323a33333839";

    @Test
    void a_request_encodes_and_decodes_as_the_reference_lays_it_out() throws Exception {
        RdCleanPath request = RdCleanPath.request("w1:3389", "tok", HEX.parseHex(CONNECTION_REQUEST));
        assertThat(HEX.formatHex(request.encode())).isEqualTo(REQUEST);
        RdCleanPath decoded = RdCleanPath.decodeRequest(HEX.parseHex(REQUEST));
        assertThat(decoded.destination()).isEqualTo("w1:3389");
        assertThat(decoded.proxyAuth()).isEqualTo("tok");
        assertThat(HEX.formatHex(decoded.x224())).isEqualTo(CONNECTION_REQUEST);
        assertThat(decoded.isRequest()).isTrue();
        assertThat(decoded.toString()).doesNotContain("tok");
    }

    @Test
    void a_response_carries_the_confirm_the_certificate_chain_and_the_address() throws Exception {
        RdCleanPath response = RdCleanPath.response(HEX.parseHex(CONNECTION_CONFIRM),
                List.of(HEX.parseHex("3003020101")), "10.0.0.2:3389");
        assertThat(HEX.formatHex(response.encode())).isEqualTo(RESPONSE);
        RdCleanPath decoded = RdCleanPath.decode(HEX.parseHex(RESPONSE));
        assertThat(decoded.serverCertificates()).singleElement()
                .satisfies(certificate -> assertThat(HEX.formatHex(certificate)).isEqualTo("3003020101"));
        assertThat(decoded.serverAddress()).isEqualTo("10.0.0.2:3389");
        assertThat(decoded.isRequest()).isFalse();
    }

    @Test
    void errors_encode_as_the_reference_suite_expects() throws Exception {
        assertThat(HEX.formatHex(RdCleanPath.httpError(500).encode()))
                .isEqualTo("3015a00402020d3ea10d300ba003020101a104020201f4");
        assertThat(HEX.formatHex(RdCleanPath.tlsError(48).encode()))
                .isEqualTo("3014a00402020d3ea10c300aa003020101a303020130");
        assertThat(HEX.formatHex(RdCleanPath.socketError(10061).encode()))
                .isEqualTo("3015a00402020d3ea10d300ba003020101a2040202274d");
        RdCleanPath.Error error = RdCleanPath.decode(HEX.parseHex("3015a00402020d3ea10d300ba003020101a104020201f4"))
                .error();
        assertThat(error).isEqualTo(new RdCleanPath.Error(1, 500, null, null));
    }

    @Test
    void detect_says_how_long_the_pdu_is_once_its_header_arrived() throws Exception {
        byte[] request = HEX.parseHex(REQUEST);
        assertThat(RdCleanPath.detect(request, 1)).isEmpty();
        assertThat(RdCleanPath.detect(request, 2)).isEqualTo(Optional.of(request.length));
        byte[] longForm = HEX.parseHex("30820123");
        assertThat(RdCleanPath.detect(longForm, 3)).isEmpty();
        assertThat(RdCleanPath.detect(longForm, 4)).isEqualTo(Optional.of(4 + 0x123));
        assertThatThrownBy(() -> RdCleanPath.detect(HEX.parseHex("0300001302"), 5))
                .isInstanceOf(RdCleanPath.MalformedException.class).hasMessageContaining("not an RDCleanPath PDU");
        assertThatThrownBy(() -> RdCleanPath.detect(HEX.parseHex("3084"), 2))
                .hasMessageContaining("at most");
    }

    @Test
    void malformed_requests_are_refused_each_with_a_reason() {
        assertRefused("3000", "has no version");
        // Version 3389 instead of 3390.
        assertRefused("3006a00402020d3d", "version 3389 is not supported");
        assertRefused(REQUEST.substring(0, REQUEST.length() - 2), "cannot be parsed");
        assertRefused(REQUEST + "00", "cannot be parsed");
        assertRefused("0400", "not a DER SEQUENCE");
        // Destination, then version: out of order.
        assertRefused("3011a2090c0777313a33333839a00402020d3e", "out of order");
        // An implicit tag where an explicit one belongs.
        assertRefused("3004800202d3", "not an explicit context tag");
        // Tag [8] is reserved.
        assertRefused("300ca00402020d3ea8040c027878", "field [8] is unknown");
        // The destination as an OCTET STRING.
        assertRefused("300ca00402020d3ea20404027731", "not a UTF8String");
        // A destination that is not UTF-8.
        assertRefused("300ba00402020d3ea2030c01ff", "not valid UTF-8");
        // No token.
        assertRefused("3028a00402020d3ea2090c0777313a33333839a6150413" + CONNECTION_REQUEST, "carries no ticket");
        // No X.224 request.
        assertRefused("3018a00402020d3ea2090c0777313a33333839a3050c03746f6b", "no X.224 Connection Request");
        // No destination.
        assertRefused("3024a00402020d3ea3050c03746f6ba6150413" + CONNECTION_REQUEST, "names no destination");
        // An answer sent as a request.
        assertRefused(RESPONSE, "an answer, not a request");
    }

    private static void assertRefused(String hex, String reason) {
        assertThatThrownBy(() -> RdCleanPath.decodeRequest(HEX.parseHex(hex)))
                .as(hex).isInstanceOf(RdCleanPath.MalformedException.class).hasMessageContaining(reason);
    }
}
