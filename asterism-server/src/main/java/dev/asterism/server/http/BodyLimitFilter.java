package dev.asterism.server.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Holds every request body to the limit before anything else reads it, authentication included. A body that
 * declares its length is Javalin's to refuse (its {@code maxRequestSize}); a body without one (chunked) is read here
 * up to the limit and one byte more: beyond that the request is answered 413 at once, and the connection closes
 * without the rest being read; within it, the body goes on in memory with its length now known.
 */
final class BodyLimitFilter implements Filter {
    static final int LIMIT = 1_000_000;
    static final String TOO_LARGE = "the request body is larger than the limit of 1 MB";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        if (http.getContentLengthLong() >= 0 || http.getHeader("Transfer-Encoding") == null) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = http.getInputStream().readNBytes(LIMIT + 1);
        if (body.length > LIMIT) {
            HttpServletResponse refused = (HttpServletResponse) response;
            refused.setStatus(413);
            refused.setHeader("Connection", "close");
            refused.setContentType("application/json");
            refused.getOutputStream().write(Json.MAPPER.writeValueAsBytes(new ErrorResponses.ErrorBody(
                    "MALFORMED_REQUEST", TOO_LARGE, java.util.Map.of())));
            return;
        }
        chain.doFilter(new Read(http, body), response);
    }

    /** The request with its body read already. */
    private static final class Read extends HttpServletRequestWrapper {
        private final byte[] body;

        Read(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream bytes = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return bytes.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) {
                    return bytes.read(buffer, offset, length);
                }

                @Override
                public boolean isFinished() {
                    return bytes.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("the body was read already");
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(),
                    getCharacterEncoding() == null ? StandardCharsets.UTF_8
                            : java.nio.charset.Charset.forName(getCharacterEncoding())));
        }
    }
}
