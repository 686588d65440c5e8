package dev.asterism.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the Asterism API on a loopback port: it answers canned JSON per method and path, and records
 * every request so that tests can check what the CLI sent. Unknown routes answer 404 in the API's error shape.
 */
final class FakeAsterismServer implements AutoCloseable {

    /** One request as the CLI sent it; {@code path} is relative to {@code /api/v1} and has no query. */
    record RecordedRequest(String method, String path, String query, String authorization, String body) {}

    private record CannedResponse(int status, String body) {}

    private final HttpServer server;
    private final Map<String, Deque<CannedResponse>> routes = new ConcurrentHashMap<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    private FakeAsterismServer(HttpServer server) {
        this.server = server;
    }

    static FakeAsterismServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FakeAsterismServer fake = new FakeAsterismServer(server);
        server.createContext("/", fake::handle);
        server.start();
        return fake;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers every {@code method path} request with {@code status} and {@code body}. */
    FakeAsterismServer respond(String method, String path, int status, String body) {
        return respondInTurn(method, path, status, body);
    }

    /** Answers successive requests with successive bodies; the last one keeps being answered. */
    FakeAsterismServer respondInTurn(String method, String path, int status, String... bodies) {
        Deque<CannedResponse> answers = new ArrayDeque<>();
        for (String body : bodies) {
            answers.add(new CannedResponse(status, body));
        }
        routes.put(method + " " + path, answers);
        return this;
    }

    List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    List<RecordedRequest> requests(String method, String path) {
        return requests.stream()
                .filter(request -> request.method().equals(method) && request.path().equals(path))
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath().replaceFirst("^/api/v1", "");
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new RecordedRequest(
                    exchange.getRequestMethod(),
                    path,
                    exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    body));
            CannedResponse answer = answerFor(exchange.getRequestMethod() + " " + path);
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (bytes.length == 0) {
                exchange.sendResponseHeaders(answer.status(), -1);
                return;
            }
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            try (OutputStream output = exchange.getResponseBody()) {
                output.write(bytes);
            }
        }
    }

    private CannedResponse answerFor(String route) {
        Deque<CannedResponse> answers = routes.get(route);
        if (answers == null) {
            return new CannedResponse(
                    404, "{\"error\":\"NOT_FOUND\",\"message\":\"the fake server has no answer for " + route + "\"}");
        }
        synchronized (answers) {
            if (answers.size() > 1) {
                return answers.poll();
            }
            return answers.peek();
        }
    }
}
