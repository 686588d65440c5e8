package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium on an X display, as a person's browser, for the desktop benchmark: a window that fills the
 * screen (kiosk mode), driven through Debian's ChromeDriver with the W3C WebDriver protocol over loopback HTTP only
 * to be given a session cookie and a page; what the person does on the page (clicks, keys) goes through the X server
 * like any input ({@link ScreenProbe}). No network of its own: a proxy that answers nothing, loopback bypassing it.
 * It stops the driver it started, by PID, and the driver its browser.
 */
final class BrowserScreen implements AutoCloseable {
    static final String INSTALL_HINT = "apt-get install -y --no-install-recommends chromium chromium-driver";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process driver;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    private String session;

    private BrowserScreen(Process driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /**
     * Starts ChromeDriver (logging under {@code directory}) and a Chromium window on {@code display}.
     *
     * @throws IllegalStateException naming the packages to install when Chromium or its driver is missing
     */
    static BrowserScreen start(int display, Path directory) throws IOException, InterruptedException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the browser's desktop needs Chromium and its driver: " + INSTALL_HINT);
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port,
                "--allowed-ips=127.0.0.1", "--log-path=" + directory.resolve("chromedriver.log"));
        builder.environment().put("DISPLAY", ":" + display);
        builder.redirectErrorStream(true).redirectOutput(directory.resolve("chromedriver.out").toFile());
        BrowserScreen browser = new BrowserScreen(builder.start(), "http://127.0.0.1:" + port);
        try {
            DesktopBenchmark.await("ChromeDriver listening", browser::answers);
            browser.session = browser.call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch", Map.of(
                    "browserName", "chrome", "goog:chromeOptions", Map.of("binary", CHROMIUM.toString(), "args",
                            List.of("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                                    "--disable-background-networking", "--disable-component-update",
                                    "--disable-sync", "--disable-default-apps", "--disable-infobars",
                                    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
                                    "--kiosk", "--window-position=0,0", "--window-size=1280,800",
                                    "--user-data-dir=" + directory.resolve("chromium-profile")))))))
                    .get("sessionId").asText();
            return browser;
        } catch (IOException | InterruptedException | RuntimeException e) {
            browser.close();
            throw e;
        }
    }

    /** Sets a cookie for the origin of the page shown now. */
    void setCookie(String name, String value) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/cookie", Map.of("cookie", Map.of("name", name, "value", value,
                "path", "/", "httpOnly", true)));
    }

    /** Shows {@code url}; returns once the page has loaded. */
    void navigate(String url) throws IOException, InterruptedException {
        call("POST", "/session/" + session + "/url", Map.of("url", url));
    }

    /** The value a script returns, run in the page (a function body: {@code return ...;}). */
    JsonNode script(String body) throws IOException, InterruptedException {
        return call("POST", "/session/" + session + "/execute/sync", Map.of("script", body, "args", List.of()));
    }

    private boolean answers() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/status")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode call(String method, String path, Object body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(1)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(response.body()).path("value");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("WebDriver " + method + " " + path + ": " + answer.path("error").asText()
                    + ": " + answer.path("message").asText());
        }
        return answer;
    }

    @Override
    public void close() throws InterruptedException {
        if (session != null) {
            try {
                call("DELETE", "/session/" + session, null);
            } catch (IOException | RuntimeException alreadyGone) {
                // The driver is stopped below in any case, and with it its browser.
            }
        }
        driver.destroy();
        if (!driver.waitFor(10, TimeUnit.SECONDS)) {
            driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
