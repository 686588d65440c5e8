package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The panel in a real browser: headless Chromium from Debian's packages (chromium, chromium-driver), never a
 * downloaded one, with every address but loopback sent to a dead proxy. The sim realm runs with its realistic delays,
 * so members move through their phases while the page watches. Screenshots go to
 * {@code asterism-server/target/panel-screenshots}.
 */
class PanelBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "panel-screenshots");
    private static final String XSS = "<script>window.pwned=1</script>\"><img src=x onerror=\"window.pwned=1\">";

    private static TestServer server;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(SCREENSHOTS);
        server = TestServer.start(Clock.systemUTC(), config -> config.withRealm("sim", "realistic"));
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_user_signs_in_creates_a_constellation_adds_two_members_and_watches_them_get_ready_without_a_reload() {
        signIn();
        assertThat(browser.getTitle()).startsWith("Constellations");
        browser.findElement(By.id("name")).sendKeys("lab");
        new Select(browser.findElement(By.id("brick"))).selectByValue("controller");
        browser.findElement(By.cssSelector("form[action='/ui/constellations'] button")).click();
        waitFor(Duration.ofSeconds(90), "constellation lab ACTIVE",
                () -> browser.findElement(By.id("state")).getText().equals("ACTIVE"));

        // Validation: the message stands beside the field.
        browser.findElement(By.id("count")).sendKeys("two");
        browser.findElement(By.cssSelector("#add-members button")).click();
        // The answer is a new page: an element found before it loaded goes stale, so wait for the new one.
        waitFor(Duration.ofSeconds(10), "the count's error", () -> browser.findElement(By.id("count-error")).getText()
                .contains("whole number"));
        assertThat(browser.findElement(By.id("count-error")).getText()).contains("whole number");
        assertThat(browser.findElement(By.id("count")).getAttribute("aria-invalid")).isEqualTo("true");

        browser.findElement(By.id("count")).clear();
        browser.findElement(By.id("count")).sendKeys("2");
        browser.findElement(By.cssSelector("#add-members button")).click();
        // The form's answer is a new page: mark it only once it has loaded, or the mark goes with the old one.
        waitFor(Duration.ofSeconds(20), "the page after adding", () -> browser.findElement(By.id("count"))
                .getAttribute("value").isEmpty() && !browser.findElements(By.cssSelector("tr[data-member='w1']"))
                .isEmpty());
        ((JavascriptExecutor) browser).executeScript("window.sameDocument = 'yes';");
        screenshot("constellation-joining");
        waitFor(Duration.ofSeconds(120), "two READY members", () -> browser.findElements(
                By.cssSelector("tr[data-phase='READY']")).size() == 2);
        assertThat(((JavascriptExecutor) browser).executeScript("return window.sameDocument;"))
                .as("the page was never reloaded: the members became READY through server-sent events")
                .isEqualTo("yes");
        assertThat(browser.findElement(By.id("live-status")).getText()).startsWith("updated live");
        screenshot("constellation-ready-1280");

        browser.findElement(By.cssSelector("tr[data-member='w1'] a.button")).click();
        WebElement dialog = browser.findElement(By.id("connect"));
        assertThat(dialog.getText()).contains("Connect to w1");
        assertThat(browser.findElement(By.id("connect-command")).getText())
                .startsWith("asterism connect lab w1 --local-port ").endsWith("--rdp-file lab-w1.rdp");
        assertThat(browser.findElement(By.id("rdp-file")).getAttribute("href"))
                .endsWith("/ui/constellations/lab/members/w1/rdp");
        assertThat(browser.findElement(By.id("sign-in-as")).getText()).isEqualTo("admin");
        screenshot("connect-dialog");
        // The batch section says what the scheduler answered: the sim realm's controller runs none.
        assertThat(browser.findElement(By.id("batch")).getText()).isEqualTo("Batch jobs");
        assertThat(browser.findElement(By.id("batch-note")).getText()).contains("no batch scheduler");

        // The owner adds a person, who sets a desktop password and is told which account to sign in with.
        server.user("pat", "user");
        server.user("quinn", "admin");
        browser.get(server.url() + "/ui/constellations/lab");
        browser.findElement(By.id("usernames")).sendKeys("pat");
        browser.findElement(By.cssSelector("#add-people button")).click();
        waitFor(Duration.ofSeconds(60), "pat ACTIVE", () -> browser.findElement(By.cssSelector("tr[data-person='pat']"))
                .getText().contains("ACTIVE") || refreshed());
        signIn("pat", "pat-password");
        browser.get(server.url() + "/ui/constellations/lab");
        browser.findElement(By.id("password")).sendKeys("short");
        browser.findElement(By.id("confirm-password")).sendKeys("short");
        browser.findElement(By.cssSelector("#set-password button")).click();
        waitFor(Duration.ofSeconds(10), "the domain's rule beside the field", () -> browser.findElement(
                By.id("password-error")).getText().contains("at least 7 characters"));
        assertThat(browser.findElement(By.id("password")).getAttribute("value")).as("never shown back").isEmpty();
        browser.findElement(By.id("password")).sendKeys("Pat-Desk-2031!");
        browser.findElement(By.id("confirm-password")).sendKeys("Pat-Desk-2031!");
        browser.findElement(By.cssSelector("#set-password button")).click();
        waitFor(Duration.ofSeconds(10), "the password set", () -> browser.findElement(By.id("password-status"))
                .getText().contains("is set"));
        assertThat(browser.findElement(By.cssSelector("tr[data-person='pat']")).getText()).contains("set");
        browser.findElement(By.cssSelector("tr[data-member='w1'] a.button")).click();
        assertThat(browser.findElement(By.id("sign-in-as")).getText()).isEqualTo("pat");
        screenshot("person-connect-dialog");

        // An admin who is not one of the people sees the constellation but gets neither Connect nor the .rdp file.
        signIn("quinn", "quinn-password");
        browser.get(server.url() + "/ui/constellations/lab");
        assertThat(browser.findElement(By.id("people")).isDisplayed()).isTrue();
        assertThat(browser.findElements(By.cssSelector("tr[data-member] a.button"))).as("Connect buttons").isEmpty();
        browser.get(server.url() + "/ui/constellations/lab/members/w1/rdp");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("only its people may");
        signIn();
        browser.get(server.url() + "/ui/constellations/lab");

        browser.manage().window().setSize(new Dimension(390, 844));
        browser.navigate().refresh();
        assertThat((Long) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth;"))
                .as("nothing wider than a phone's screen but the scrolling tables").isLessThanOrEqualTo(0L);
        screenshot("constellation-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    void script_put_into_every_name_field_stays_text() {
        signIn();
        List<String[]> forms = List.of(
                new String[] {"/ui/constellations", "name"},
                new String[] {"/ui/vms", "name"},
                new String[] {"/ui/users", "username"},
                new String[] {"/ui/users", "grantee"},
                new String[] {"/ui/catalog", "profiles-name"},
                new String[] {"/ui/catalog", "images-name"},
                new String[] {"/ui/catalog", "images-description"},
                new String[] {"/ui/catalog", "bricks-name"});
        for (String[] form : forms) {
            browser.get(server.url() + form[0]);
            WebElement field = browser.findElement(By.id(form[1]));
            field.sendKeys(XSS);
            for (WebElement required : field.findElement(By.xpath("./ancestor::form"))
                    .findElements(By.cssSelector("input[required]"))) {
                if (required.getAttribute("value").isEmpty()) {
                    required.sendKeys("x");
                }
            }
            field.findElement(By.xpath("./ancestor::form")).findElement(By.cssSelector("button")).click();
            assertInert(form[0] + " #" + form[1]);
        }
        browser.get(server.url() + "/ui/audit?actor=" + java.net.URLEncoder.encode(XSS,
                java.nio.charset.StandardCharsets.UTF_8));
        assertInert("the audit filter");
        assertThat(browser.findElement(By.id("verification")).getText()).startsWith("The audit chain is valid");
        screenshot("audit");
    }

    @Test
    void pages_carry_a_strict_content_security_policy_and_forms_need_the_csrf_token() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/ui/login"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.headers().firstValue("Referrer-Policy")).contains("same-origin");
        assertThat(login.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/ui/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=" + TestServer.ADMIN_PASSWORD))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.statusCode()).isEqualTo(303);
        // Another site's page cannot sign a visitor in (login CSRF): its Origin, or its Referer, gives it away.
        for (String[] header : new String[][] {{"Origin", "http://evil.example"},
                {"Referer", "http://evil.example/login.html"}, {"Origin", "null"}}) {
            HttpResponse<String> crossSite = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/ui/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header(header[0], header[1])
                    .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=" + TestServer.ADMIN_PASSWORD))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(crossSite.statusCode()).as("%s: %s", header[0], header[1]).isEqualTo(403);
            assertThat(crossSite.headers().firstValue("Set-Cookie")).isEmpty();
        }
        HttpResponse<String> sameSite = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/ui/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", server.url())
                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=" + TestServer.ADMIN_PASSWORD))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sameSite.statusCode()).as("from the panel's own page").isEqualTo(303);
        String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/ui/constellations"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                .POST(HttpRequest.BodyPublishers.ofString("name=forged&brick=controller&joinMode=ports"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("security token");
        server.admin.get("/constellations/forged").expect(404);
    }

    @Test
    void another_user_signed_in_by_keyboard_alone_sees_neither_the_constellation_nor_its_connect_dialog() {
        server.user("bob", "user");
        server.admin.post("/constellations", java.util.Map.of("name", "secret", "brick", "controller")).expect(202);
        browser.manage().deleteAllCookies();
        browser.get(server.url() + "/ui/login");
        new org.openqa.selenium.interactions.Actions(browser).sendKeys(org.openqa.selenium.Keys.TAB, "bob",
                org.openqa.selenium.Keys.TAB, "bob-password", org.openqa.selenium.Keys.ENTER).perform();
        waitFor(Duration.ofSeconds(10), "signed in", () -> browser.getTitle().startsWith("Constellations"));
        assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("secret");
        browser.get(server.url() + "/ui/constellations/secret");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("no constellation named 'secret'");
        browser.get(server.url() + "/ui/constellations/secret/members/w1/rdp");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("only its people may");
        browser.get(server.url() + "/ui/audit");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("only an admin");
    }

    @Test
    void an_admin_makes_a_project_a_manager_creates_a_constellation_in_it_and_is_told_when_its_quota_is_full() {
        server.user("pia", "user");
        server.admin.put("/bricks/controller/grants/pia", java.util.Map.of("level", "manage")).expect(200);
        signIn();
        browser.findElement(By.linkText("Projects")).click();
        waitFor(Duration.ofSeconds(10), "the projects page", () -> browser.getTitle().startsWith("Projects"));
        browser.findElement(By.id("name")).sendKeys("trial");
        new Select(browser.findElement(By.id("level"))).selectByValue("public");
        browser.findElement(By.id("description")).sendKeys("a clinical trial");
        browser.findElement(By.id("constellations")).sendKeys("1");
        browser.findElement(By.cssSelector("form[action='/ui/projects'] button")).click();
        waitFor(Duration.ofSeconds(10), "the project's page", () -> browser.getTitle().startsWith("Project trial"));
        browser.findElement(By.id("username")).sendKeys("pia");
        new Select(browser.findElement(By.id("role"))).selectByValue("manager");
        browser.findElement(By.cssSelector("form[action='/ui/projects/trial/members'] button")).click();
        waitFor(Duration.ofSeconds(10), "pia named", () -> browser.findElement(By.tagName("main")).getText()
                .contains("pia manager"));

        // A team, made on the teams page and put in the project from the project's page.
        server.user("rex", "user");
        browser.findElement(By.linkText("Teams")).click();
        browser.findElement(By.id("name")).sendKeys("nurses");
        browser.findElement(By.cssSelector("form[action='/ui/teams'] button")).click();
        waitFor(Duration.ofSeconds(10), "team nurses", () -> !browser.findElements(
                By.cssSelector("tr[data-team='nurses']")).isEmpty());
        browser.findElement(By.id("username-nurses")).sendKeys("rex");
        browser.findElement(By.cssSelector("form[action='/ui/teams/nurses/members'] button")).click();
        waitFor(Duration.ofSeconds(10), "rex in nurses", () -> browser.findElement(
                By.cssSelector("tr[data-team='nurses']")).getText().contains("rex"));
        browser.get(server.url() + "/ui/projects/trial");
        new Select(browser.findElement(By.id("team"))).selectByValue("nurses");
        browser.findElement(By.cssSelector("form[action='/ui/projects/trial/teams'] button")).click();
        waitFor(Duration.ofSeconds(10), "nurses in trial", () -> browser.findElement(By.tagName("main")).getText()
                .contains("nurses researcher"));
        assertThat(server.admin.get("/projects/trial").expect(200).json().get("teams").get(0).get("team").asText())
                .isEqualTo("nurses");

        signIn("pia", "pia-password");
        browser.findElement(By.id("name")).sendKeys("trial-one");
        new Select(browser.findElement(By.id("brick"))).selectByValue("controller");
        new Select(browser.findElement(By.id("project"))).selectByValue("trial");
        browser.findElement(By.cssSelector("form[action='/ui/constellations'] button")).click();
        waitFor(Duration.ofSeconds(10), "constellation trial-one", () -> browser.getTitle()
                .startsWith("Constellation trial-one"));
        browser.get(server.url() + "/ui/constellations");
        browser.findElement(By.id("name")).sendKeys("trial-two");
        new Select(browser.findElement(By.id("brick"))).selectByValue("controller");
        new Select(browser.findElement(By.id("project"))).selectByValue("trial");
        browser.findElement(By.cssSelector("form[action='/ui/constellations'] button")).click();
        waitFor(Duration.ofSeconds(10), "the refusal", () -> !browser.findElement(By.id("name-error")).getText()
                .isEmpty());
        assertThat(browser.findElement(By.id("name-error")).getText())
                .startsWith("project trial uses 1 of 1 constellations; constellation trial-two needs 1");
        screenshot("project-quota-full");
        browser.findElement(By.linkText("Projects")).click();
        browser.findElement(By.linkText("trial")).click();
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("Constellations 1 1");
        screenshot("project-page");
        Object csv = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[0];"
                + " fetch(document.querySelector('a[download]').href).then(r => r.text()).then(done);");
        assertThat(csv.toString()).startsWith("project,user,vms,vm_hours,vcpu_hours\n");
    }

    private static void assertInert(String where) {
        Object pwned = ((JavascriptExecutor) browser).executeScript("return window.pwned === undefined;");
        assertThat(pwned).as("no script ran after %s", where).isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("img[src='x']"))).as("no injected element after %s", where)
                .isEmpty();
        assertThat(browser.findElements(By.cssSelector("script:not([src='/ui/static/panel.js'])")))
                .as("no other script element after %s", where).isEmpty();
    }

    private static void signIn() {
        signIn("admin", TestServer.ADMIN_PASSWORD);
    }

    private static void signIn(String username, String password) {
        browser.manage().deleteAllCookies();
        browser.get(server.url() + "/ui/login");
        browser.findElement(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type='submit']")).click();
        waitFor(Duration.ofSeconds(10), "signed in as " + username, () -> !browser.getTitle().startsWith("Sign in"));
    }

    /** Loads the page again, for what the live updates do not show; false, so that a wait goes on. */
    private static boolean refreshed() {
        browser.navigate().refresh();
        return false;
    }

    private static void waitFor(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, timeout).withMessage(what).until(driver -> {
            try {
                return condition.getAsBoolean();
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    private static void screenshot(String name) {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
