package dev.asterism.server.http;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.server.panel.Panel;
import dev.asterism.server.tunnel.TunnelRelay;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.util.function.BooleanSupplier;

/** The HTTP server: the API routes, tunnels, the panel, health, metrics, security headers and the error mapping. */
public final class WebServer implements AutoCloseable {
    /** The browser features every answer refuses. */
    public static final String PERMISSIONS_POLICY = "clipboard-read=(), clipboard-write=(), camera=(), microphone=(),"
            + " geolocation=(), display-capture=(), usb=(), serial=(), hid=()";

    private final Javalin app;

    public WebServer(ApiRoutes api, Panel panel, Metrics metrics, BooleanSupplier databaseHealthy) {
        TunnelRelay tunnels = api.tunnels();
        metrics.describe("asterism_http_requests_total", "HTTP requests by method, route and status");
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = BodyLimitFilter.LIMIT;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.jetty.modifyServletContextHandler(handler -> handler.addFilter(
                    new org.eclipse.jetty.servlet.FilterHolder(new BodyLimitFilter()), "/*",
                    java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
            config.jetty.modifyWebSocketServletFactory(factory -> {
                // The relay closes idle tunnels itself, with a reason; Jetty's own timeout only backs it up.
                factory.setIdleTimeout(tunnels.settings().idleTimeout().plusMinutes(1));
                factory.setMaxBinaryMessageSize(256 * 1024);
            });
        });
        new TunnelSockets(tunnels, api.authenticator()).install(app);
        panel.install(app);
        for (ApiRoutes.Route route : api.routes()) {
            app.addHttpHandler(route.method(), ApiRoutes.PREFIX + route.path(), route.handler());
        }
        app.get("/healthz", context -> {
            boolean healthy = databaseHealthy.getAsBoolean();
            context.status(healthy ? 200 : 503).json(java.util.Map.of("status", healthy ? "ok" : "failing",
                    "database", healthy ? "ok" : "unreachable"));
        });
        app.get("/metrics", context -> context.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
        app.before(context -> {
            // A POST must not turn into a DELETE because a header says so.
            if (context.header("X-HTTP-Method-Override") != null || context.header("X-HTTP-Method") != null
                    || context.header("X-Method-Override") != null) {
                throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "method override headers are not honoured:"
                        + " send the request with the method itself");
            }
            context.header("X-Content-Type-Options", "nosniff");
            context.header("Cache-Control", "no-store");
            context.header("Content-Security-Policy", context.path().startsWith(Panel.ROOT + "/")
                    ? Panel.CONTENT_SECURITY_POLICY : "default-src 'none'; frame-ancestors 'none'");
            context.header("X-Frame-Options", "DENY");
            // Nothing here needs the clipboard, camera, microphone or location: the browser refuses them without
            // asking the person (the desktop page's RDP client would otherwise have Chromium ask to read the
            // clipboard, which the page keeps off whatever the constellation allows).
            context.header("Permissions-Policy", PERMISSIONS_POLICY);
            // The panel's own forms must carry its origin (no-referrer would make the browser send "Origin: null",
            // which the sign-in form refuses as another site's); nothing goes to other sites either way.
            context.header("Referrer-Policy", context.path().startsWith(Panel.ROOT) ? "same-origin" : "no-referrer");
        });
        app.after(context -> {
            String route = context.endpointHandlerPath();
            String labels = "method=\"" + context.method() + "\",route=\"" + (route.isEmpty() ? "unmatched" : route)
                    + "\",status=\"" + context.statusCode() + "\"";
            metrics.count("asterism_http_requests_total", labels, 1);
        });
        app.exception(AsterismException.class, ErrorResponses::asterism);
        app.exception(HttpResponseException.class, ErrorResponses::javalin);
        app.exception(Exception.class, ErrorResponses::unexpected);
    }

    public WebServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
