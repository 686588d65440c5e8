package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxGuestPlatform;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.HeadlessChromium;
import dev.asterism.server.http.RequestAuthenticator;
import dev.asterism.server.ServerConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A researcher works in a constellation, as a person would: on the netns realm (real Samba AD, sssd, xrdp with
 * xorgxrdp and xfce4 in the member), the owner adds alice with {@code asterism constellation user add}, alice sets
 * her desktop password with {@code asterism constellation password}, opens {@code asterism connect}, and Debian's
 * FreeRDP client under Xvfb signs in as her domain account: her desktop session runs on the member and the
 * client's screen shows it (kept in target/desktop-screenshots). Her session finds the constellation's share at
 * {@code ~/shared}: what she writes there on one member, she reads on the other, and the controller's file is hers.
 * A wrong password gets no session, a user who is not one of the people gets no tunnel, and after {@code user remove}
 * her sessions are gone, her account too, and her tunnels are refused. carol runs Slurm jobs over the members as her
 * domain account, sees them in {@code asterism constellation jobs}, and the nodes follow the members: one that leaves
 * fails its jobs and is no node any more, one added later is a node at once. Needs root, the guest packages and
 * {@code freerdp2-x11 xvfb imagemagick}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DesktopLoginTest {
    private static final String PREFIX = "astdk";
    private static final String ADMIN_PASSWORD = "admin-password-for-desktop-tests";
    private static final String ALICE_DESKTOP = "Alice-Desk-2031!";
    private static final String DAVE_DESKTOP = "Dave-Desk-4417!";
    private static final Path SCREENSHOTS = Path.of("target", "desktop-screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temporary;

    private static AsterismServer server;
    private static NetnsHosts hosts;
    private static RdpScreen screen;
    private static CliRunner owner;

    @BeforeAll
    static void start() throws Exception {
        LinuxPackages.requireInstalled();
        hosts = new NetnsHosts(PREFIX);
        hosts.removeLeftovers();
        Files.createDirectories(SCREENSHOTS);
        screen = RdpScreen.start(temporary.resolve("screen"));
        server = AsterismServer.start(ServerConfig.defaults(temporary.resolve("data")).withPort(0).withAgentPort(0)
                .withRealm("netns", "zero").withNetnsPrefix(PREFIX).withPhaseTimeout(Duration.ofMinutes(3))
                .withAdminPassword(ADMIN_PASSWORD), Clock.systemUTC(), new PasswordHasher(256, 1, 1));
        makeConstellation();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (owner != null && server != null) {
                assertOk(owner.run("constellation", "destroy", "dk"));
            }
            if (server != null) {
                server.close();
            }
            if (screen != null) {
                screen.close();
            }
        } finally {
            if (hosts != null) {
                hosts.removeLeftovers();
            }
        }
    }

    /** One constellation for every test: a controller and two workers, made through the CLI as its owner would. */
    private static void makeConstellation() throws Exception {
        owner = loggedIn("owner", "admin", ADMIN_PASSWORD);
        createUser(owner, "alice");
        createUser(owner, "bob");
        createUser(owner, "carol");
        createUser(owner, "dave");
        // The CLI's own clock is a test clock (watch would time out at once): the test waits in real time.
        assertOk(owner.run("constellation", "create", "--brick", "controller", "--name", "dk"));
        awaitTrue(Duration.ofMinutes(4), "dk ACTIVE", () -> api("GET", "/constellations/dk", null).get("state")
                .asText().equals("ACTIVE"));
        assertOk(owner.run("constellation", "add", "dk", "--brick", "worker", "--count", "2"));
        awaitTrue(Duration.ofMinutes(4), "w1 and w2 READY", () -> phases().equals(List.of("READY", "READY")));
    }

    /** Waits until {@code user}'s domain account is made; a failure shows the people and the constellation. */
    private static void awaitAccount(String user) throws Exception {
        try {
            awaitTrue(Duration.ofSeconds(90), user + "'s account made", () -> owner.run("constellation", "user",
                    "list", "dk").out().lines().anyMatch(line -> line.startsWith(user) && line.contains("ACTIVE")));
        } catch (AssertionError late) {
            throw new AssertionError(late.getMessage() + "\npeople:\n" + owner.run("constellation", "user", "list",
                    "dk").out() + "\nconstellation:\n" + owner.run("constellation", "show", "dk").out(), late);
        }
    }

    private static List<String> phases() throws Exception {
        return api("GET", "/constellations/dk", null).get("members").findValuesAsText("phase");
    }

    @Test
    @Order(1)
    void a_person_added_by_the_owner_signs_in_to_a_real_desktop_through_asterism_connect_until_removed()
            throws Exception {
        assertOk(owner.run("constellation", "user", "add", "dk", "alice"));
        CliRunner alice = loggedIn("alice", "alice", "alice-password");
        awaitAccount("alice");
        CliRunner.Result weak = alice.withVariable(Passwords.DESKTOP_VARIABLE, "alice").run("constellation",
                "password", "dk");
        assertThat(weak.exitCode()).isNotZero();
        assertThat(weak.err()).contains("the domain refuses this password");
        assertOk(alice.withVariable(Passwords.DESKTOP_VARIABLE, ALICE_DESKTOP).run("constellation", "password", "dk"));

        HostCommands member = host("dk-w1");
        LinuxGuestPlatform memberPlatform = new LinuxGuestPlatform(member, Clock.systemUTC(), "dk-w1", () -> {},
                Optional.empty());
        HostCommands other = host("dk-w2");
        LinuxGuestPlatform otherPlatform = new LinuxGuestPlatform(other, Clock.systemUTC(), "dk-w2", () -> {},
                Optional.empty());
        assertThat(member.run(List.of("id", "alice"), null).output()).as("alice on the member")
                .contains("asterism-users");

        // bob is an Asterism user but not one of the people: no tunnel.
        CliRunner bob = loggedIn("bob", "bob", "bob-password");
        CliRunner.Result refused = bob.run("connect", "dk", "w1", "--local-port", Integer.toString(freePort()));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err()).contains("only its people may");

        int localPort = freePort();
        Path rdp = temporary.resolve("dk-w1.rdp");
        Thread connect = Thread.ofPlatform().start(() -> alice.run("connect", "dk", "w1", "--local-port",
                Integer.toString(localPort), "--rdp-file", rdp.toString()));
        try {
            awaitTrue(Duration.ofSeconds(30), "the local port listens", () -> listening(localPort));
            assertThat(Files.readString(rdp)).contains("username:s:alice").contains("domain:s:DK.ASTERISM.TEST");

            // A wrong password: xrdp's session manager refuses it, and no session starts.
            Process wrong = screen.signIn(localPort, "alice", "Wrong-Pass-999");
            awaitTrue(Duration.ofSeconds(60), "the refusal in the session manager's log", () -> member
                    .readText("/var/lib/asterism/xrdp-sesman.log").orElse("").toLowerCase(java.util.Locale.ROOT)
                    .matches("(?s).*(authfail|authentication failed|login failed).*alice.*"));
            assertThat(memberPlatform.remoteDesktop().sessions()).doesNotContain("alice");
            RdpScreen.stop(wrong);

            Process client = screen.signIn(localPort, "alice", ALICE_DESKTOP);
            try {
                awaitTrue(Duration.ofSeconds(90), "alice's desktop session on the member",
                        () -> memberPlatform.remoteDesktop().sessions().contains("alice") && member.run(List.of("sh",
                                "-c", "ps -o args= -u alice | grep -q '^xfce4-session'"), null).succeeded());
                assertThat(member.run(List.of("test", "-d", "/home/alice"), null).succeeded())
                        .as("alice's home directory, made at her first login").isTrue();
                Path screenshot = SCREENSHOTS.resolve("alice-desktop.png");
                awaitTrue(Duration.ofSeconds(60), "the desktop on the client's screen",
                        () -> screen.showsDesktop(screenshot));
                System.out.println("DesktopLoginTest: alice's desktop, " + RdpScreen.colours(screenshot)
                        + " colours: " + screenshot.toAbsolutePath());

                // Her session found the share mounted: she writes a file there on w1...
                awaitTrue(Duration.ofSeconds(30), "the share at ~/shared on w1", () -> asAlice(member,
                        "ls ~/shared/").succeeded());
                assertThat(asAlice(member, "echo 'results of run 7' > ~/shared/notes.txt").succeeded()).isTrue();
                // The ticket her session got, which the mount uses, is renewable, and the domain renews it.
                HostCommands.Result ticket = asAlice(member, "c=$(ls /tmp/krb5cc_$(id -u)_* | head -n 1)"
                        + " && kinit -R -c \"$c\" && klist -f -c \"$c\"");
                assertThat(ticket.succeeded()).as("renewing alice's ticket: %s", ticket.printed()).isTrue();
                assertThat(ticket.output()).contains("renew until").containsPattern("Flags: [A-Za-z]*R");
                RdpScreen.stop(client);

                // ...and reads it on w2, where her own sign-in mounted the same share.
                int otherPort = freePort();
                Thread connectOther = Thread.ofPlatform().start(() -> alice.run("connect", "dk", "w2",
                        "--local-port", Integer.toString(otherPort)));
                try {
                    awaitTrue(Duration.ofSeconds(30), "the local port to w2 listens", () -> listening(otherPort));
                    client = screen.signIn(otherPort, "alice", ALICE_DESKTOP);
                    awaitTrue(Duration.ofSeconds(90), "alice's desktop session on w2",
                            () -> otherPlatform.remoteDesktop().sessions().contains("alice"));
                    awaitTrue(Duration.ofSeconds(30), "the share at ~/shared on w2", () -> asAlice(other,
                            "ls ~/shared/").succeeded());
                    HostCommands.Result read = asAlice(other, "cat ~/shared/notes.txt && stat -c %U ~/shared/notes.txt");
                    assertThat(read.output()).as("read on w2: %s", read.printed())
                            .isEqualTo("results of run 7\nalice\n");
                    assertThat(asAlice(other, "ls -l ~/shared/").output()).contains("notes.txt");
                } finally {
                    connectOther.interrupt();
                    connectOther.join(10_000);
                }
                // On the controller, the file is alice's (the domain's own ID of her account).
                HostCommands controller = host("dk-controller");
                String fileOwner = controller.require(List.of("stat", "-c", "%u", "/srv/asterism/shared/notes.txt"),
                        "stat the shared file").strip();
                String domainUser = controller.require(List.of("sh", "-c", "wbinfo -i \"$(wbinfo --own-domain)\\alice\""),
                        "look alice up").strip();
                assertThat(domainUser.split(":")[2]).as("alice's id on the controller: %s", domainUser).isEqualTo(fileOwner);

                // The owner removes alice: her session ends, her account goes, her tunnels are refused.
                assertOk(owner.run("constellation", "user", "remove", "dk", "alice"));
                awaitTrue(Duration.ofSeconds(60), "alice's sessions gone",
                        () -> !memberPlatform.remoteDesktop().sessions().contains("alice")
                                && !otherPlatform.remoteDesktop().sessions().contains("alice"));
                awaitTrue(Duration.ofSeconds(60), "alice gone from the people", () -> !owner.run("constellation",
                        "user", "list", "dk").out().contains("alice"));
                assertThat(host("dk-controller").require(List.of("samba-tool", "user", "list"), "list users"))
                        .doesNotContain("alice");
                CliRunner.Result after = alice.run("connect", "dk", "w1", "--local-port", Integer.toString(freePort()));
                assertThat(after.exitCode()).isNotZero();
                assertThat(after.err()).contains("FORBIDDEN");
            } finally {
                RdpScreen.stop(client);
            }
        } finally {
            connect.interrupt();
            connect.join(10_000);
        }
    }

    @Test
    @Order(2)
    void a_person_runs_slurm_jobs_across_the_members_which_come_and_go_as_nodes() throws Exception {
        assertOk(owner.run("constellation", "user", "add", "dk", "carol"));
        awaitAccount("carol");
        HostCommands w1 = host("dk-w1");
        HostCommands w2 = host("dk-w2");
        HostCommands controller = host("dk-controller");
        // munge and Kerberos need one time: every member follows the controller's clock, and only it.
        for (HostCommands member : List.of(w1, w2)) {
            awaitTrue(Duration.ofSeconds(60), "a member following the controller's clock", () -> member.run(
                    List.of("chronyc", "-n", "tracking"), null).output().contains("(10.77.0.1)"));
            assertThat(member.require(List.of("chronyc", "-n", "sources"), "list time sources").lines()
                    .filter(line -> line.startsWith("^")).toList()).hasSize(1)
                    .allMatch(line -> line.contains(" 10.77.0.1 "));
            // A netns host's clock is this machine's: chronyd tracks the controller but never sets it (-x).
            assertThat(member.readText("/run/chrony/asterism-clock").orElse("").strip()).isEqualTo("shared");
            assertThat(member.require(List.of("ps", "-o", "args=", "-C", "chronyd"), "list chronyd").lines()
                    .filter(line -> line.contains("/etc/chrony/asterism.conf")).toList()).isNotEmpty()
                    .allMatch(line -> line.contains(" -x "));
        }
        String slurmctld = controller.require(List.of("cat", "/run/slurmctld.pid"), "read slurmctld's pid").strip();
        String carolUid = w1.require(List.of("id", "-u", "carol"), "look carol up").strip();
        assertThat(w2.require(List.of("id", "-u", "carol"), "look carol up on w2").strip()).isEqualTo(carolUid);
        awaitTrue(Duration.ofSeconds(30), "w1 and w2 idle in Slurm", () -> owner.run("constellation", "show", "dk")
                .out().lines().filter(line -> line.matches("w[12] +READY .*")).allMatch(line -> line.contains(" idle ")));

        // One step over both nodes, as carol, logged in on w1.
        HostCommands.Result both = asCarol(w1, "srun -N2 sh -c 'echo $(hostname) $(id -un) $(id -u)' | sort");
        assertThat(both.output()).as(both.printed())
                .isEqualTo("dk-w1 carol " + carolUid + "\ndk-w2 carol " + carolUid + "\n");

        // A job array spreads over both nodes; each task writes node-local scratch, as carol.
        HostCommands.Result submitted = asCarol(w1, "sbatch --parsable --array=1-4 --chdir=/tmp"
                + " --output=/tmp/carol-%a.out --wrap 'echo $(hostname) $(id -u); sleep 6'");
        assertThat(submitted.succeeded()).as(submitted.printed()).isTrue();
        String array = submitted.output().strip();
        awaitTrue(Duration.ofSeconds(30), "the array listed by `asterism constellation jobs`", () -> owner.run(
                "constellation", "jobs", "dk").out().lines().filter(line -> line.startsWith(array + "_")
                        && line.contains(" carol ") && line.contains(" running ")).count() == 4);
        awaitTrue(Duration.ofSeconds(60), "the array done", () -> asCarol(w1, "squeue -h -j " + array).output()
                .isBlank());
        String onW1 = w1.run(List.of("sh", "-c", "cat /tmp/carol-*.out 2>/dev/null"), null).output();
        String onW2 = w2.run(List.of("sh", "-c", "cat /tmp/carol-*.out 2>/dev/null"), null).output();
        assertThat(onW1.lines().count() + onW2.lines().count()).as("tasks on w1:\n%s\non w2:\n%s", onW1, onW2)
                .isEqualTo(4);
        assertThat(onW1).contains("dk-w1 " + carolUid);
        assertThat(onW2).contains("dk-w2 " + carolUid);
        assertThat(w2.require(List.of("sh", "-c", "stat -c %u /tmp/carol-*.out | sort -u"), "stat").strip())
                .isEqualTo(carolUid);

        // w2 leaves while a job runs on it: the job fails, saying so, and w2 is no node any more.
        HostCommands.Result spanning = asCarol(w1, "sbatch --parsable -N2 --chdir=/tmp --wrap 'srun sleep 120'");
        String job = spanning.output().strip();
        awaitTrue(Duration.ofSeconds(30), "the job running on both", () -> asCarol(w1, "squeue -h -o %T -j " + job)
                .output().strip().equals("RUNNING"));
        assertOk(owner.run("constellation", "remove", "dk", "w2"));
        awaitTrue(Duration.ofMinutes(2), "w2 removed", () -> phases().equals(List.of("READY")));
        HostCommands.Result ended = asCarol(w1, "scontrol show job " + job);
        assertThat(ended.output()).as(ended.printed()).contains("JobState=NODE_FAIL");
        // Down, saying why, until Slurm forgets the jobs that ran on it; then it is no node at all.
        assertThat(owner.run("constellation", "jobs", "dk").out()).containsPattern(
                "w2 +down\\S* +\\d+ +member w2 was removed from the constellation");
        assertThat(asCarol(w1, "srun -N1 hostname").output()).isEqualTo("dk-w1\n");
        assertThat(asCarol(w1, "srun --immediate=5 -N2 hostname").exitCode()).as("two nodes asked of one")
                .isNotZero();

        // A member added later is a node at once, and slurmctld was never restarted for any of it.
        assertOk(owner.run("constellation", "add", "dk", "--brick", "worker", "--names", "w3"));
        awaitTrue(Duration.ofMinutes(3), "w3 READY", () -> phases().equals(List.of("READY", "READY")));
        HostCommands.Result spread = asCarol(w1, "srun -N2 hostname | sort");
        assertThat(spread.output()).as(spread.printed()).isEqualTo("dk-w1\ndk-w3\n");
        assertThat(controller.require(List.of("cat", "/run/slurmctld.pid"), "read slurmctld's pid").strip())
                .isEqualTo(slurmctld);

        // A node that no job refers to leaves Slurm altogether with its member.
        assertOk(owner.run("constellation", "add", "dk", "--brick", "worker", "--names", "w4"));
        awaitTrue(Duration.ofMinutes(3), "w4 READY", () -> phases().equals(List.of("READY", "READY", "READY")));
        assertThat(owner.run("constellation", "jobs", "dk").out()).containsPattern("(?m)^w4 +idle ");
        assertOk(owner.run("constellation", "remove", "dk", "w4"));
        awaitTrue(Duration.ofMinutes(2), "w4 removed", () -> phases().equals(List.of("READY", "READY")));
        assertThat(owner.run("constellation", "jobs", "dk").out()).doesNotContainPattern("(?m)^w4 ");
        assertThat(controller.run(List.of("scontrol", "show", "node", "w4"), null).printed()).contains("not found");
    }

    // ---- helpers

    /** Runs {@code script} on {@code member} in a login shell of carol's (PAM session: home directory made). */
    private static HostCommands.Result asCarol(HostCommands member, String script) {
        return member.run(List.of("runuser", "-l", "carol", "-c", script), null, Map.of(), Duration.ofSeconds(60));
    }

    @Test
    @Order(3)
    void a_person_opens_the_desktop_in_the_browser_and_signs_in_inside_the_page() throws Exception {
        assertOk(owner.run("constellation", "user", "add", "dk", "dave"));
        CliRunner dave = loggedIn("dave", "dave", "dave-password");
        awaitAccount("dave");
        assertOk(dave.withVariable(Passwords.DESKTOP_VARIABLE, DAVE_DESKTOP).run("constellation", "password", "dk"));
        HostCommands member = host("dk-w1");
        LinuxGuestPlatform memberPlatform = new LinuxGuestPlatform(member, Clock.systemUTC(), "dk-w1", () -> {},
                Optional.empty());
        WebDriver browser = HeadlessChromium.start();
        try {
            signInToPanel(browser, "dave", "dave-password");
            browser.get(server.url() + "/ui/constellations/dk");
            String panel = browser.getWindowHandle();
            // The live updates replace the members table now and then: a click may meet the row being replaced.
            new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                    .until(driver -> {
                        driver.findElement(By.cssSelector("tr[data-member='w1'] a[href$='/members/w1/desktop']"))
                                .click();
                        return true;
                    });
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(driver -> driver.getWindowHandles().size() == 2);
            browser.getWindowHandles().stream().filter(handle -> !handle.equals(panel)).findFirst()
                    .ifPresent(handle -> browser.switchTo().window(handle));
            assertThat(browser.getTitle()).startsWith("w1 · dk");
            new WebDriverWait(browser, Duration.ofSeconds(90)).until(driver -> !"connecting".equals(
                    driver.findElement(By.tagName("body")).getDomAttribute("data-desktop")));
            assertThat(browser.findElement(By.tagName("body")).getDomAttribute("data-desktop")).as("status: %s",
                    browser.findElement(By.id("desktop-status")).getText()).isEqualTo("connected");
            // The page's client keeps the clipboard off, and the page may not touch it: no browser asks the person.
            assertThat(((JavascriptExecutor) browser).executeScript(
                    "return document.featurePolicy.allowsFeature('clipboard-read')"
                    + " || document.featurePolicy.allowsFeature('clipboard-write');")).isEqualTo(false);
            WebElement canvas = browser.findElement(By.tagName("iron-remote-desktop")).getShadowRoot()
                    .findElement(By.cssSelector("canvas"));
            // xrdp's sign-in screen, drawn on the page's canvas: a dialog with xrdp's logo, some hundred colours.
            Path greeter = SCREENSHOTS.resolve("dave-browser-greeter.png");
            awaitTrue(Duration.ofSeconds(30), "xrdp's sign-in screen in the page", () -> {
                Files.write(greeter, canvas.getScreenshotAs(OutputType.BYTES));
                return RdpScreen.colours(greeter) > 100;
            });
            new Actions(browser).moveToElement(canvas).click().pause(Duration.ofMillis(500)).perform();
            typeAsAPerson(browser, DAVE_DESKTOP);
            new Actions(browser).sendKeys(Keys.ENTER).perform();
            awaitTrue(Duration.ofSeconds(90), "dave's desktop session on the member",
                    () -> memberPlatform.remoteDesktop().sessions().contains("dave") && member.run(List.of("sh",
                            "-c", "ps -o args= -u dave | grep -q '^xfce4-session'"), null).succeeded());
            // The canvas then shows the desktop, not xrdp's screens: they all lie on one plain background colour,
            // which a desktop covers (and not a blank canvas either).
            int xrdpBackground = mostCommonColour(greeter);
            Path desktop = SCREENSHOTS.resolve("dave-browser-desktop.png");
            awaitTrue(Duration.ofSeconds(60), "the desktop in the page", () -> {
                Files.write(desktop, canvas.getScreenshotAs(OutputType.BYTES));
                return RdpScreen.colours(desktop) > 100 && share(desktop, xrdpBackground) < 0.1;
            });
            System.out.println("DesktopLoginTest: dave's desktop in the browser, " + RdpScreen.colours(desktop)
                    + " colours: " + desktop.toAbsolutePath() + "; status: " + browser.findElement(By.id(
                    "desktop-status")).getText());
            assertThat(server.tunnels().open()).as("dave's desktop tunnel").hasSize(1)
                    .allMatch(tunnel -> tunnel.username().equals("dave") && tunnel.bytesFromMember() > 100_000);

            // The page's ticket is used up: presented again, on dave's own session, it is refused.
            String used = browser.findElement(By.id("desktop")).getDomAttribute("data-ticket");
            String daveSession = browser.manage().getCookieNamed(RequestAuthenticator.SESSION_COOKIE).getValue();
            DesktopSocket.Answer replayed = DesktopSocket.request(server.url(), "dk", "w1", daveSession, used);
            assertThat(replayed.status()).isEqualTo(101);
            assertThat(replayed.answer().error().httpStatus()).isEqualTo(401);
            assertThat(replayed.closeReason()).contains("unknown or was used already");

            // Closing the tab closes the tunnel, and the audit says who, how long and how much.
            browser.close();
            browser.switchTo().window(panel);
            awaitTrue(Duration.ofSeconds(20), "the desktop's tunnel closed", () -> server.tunnels().open().isEmpty());
            JsonNode closed = api("GET", "/audit?action=tunnel.closed&limit=1000", null);
            assertThat(closed.findValues("details")).anySatisfy(details -> {
                assertThat(details.path("member").asText()).isEqualTo("w1");
                assertThat(details.path("reason").asText()).isEqualTo("closed by the user");
                assertThat(details.path("bytesFromMember").asLong()).isGreaterThan(100_000);
            });
            assertThat(closed.findValuesAsText("actor")).contains("dave");

            // bob is no person of dk: the page and the WebSocket refuse him.
            browser.manage().deleteAllCookies();
            signInToPanel(browser, "bob", "bob-password");
            browser.get(server.url() + "/ui/constellations/dk/members/w1/desktop");
            assertThat(browser.getPageSource()).contains("only its people may");
            String bobSession = browser.manage().getCookieNamed(RequestAuthenticator.SESSION_COOKIE).getValue();
            assertThat(DesktopSocket.request(server.url(), "dk", "w1", bobSession, "adt_none").status())
                    .isEqualTo(403);
        } finally {
            browser.quit();
        }
    }

    /**
     * Types {@code text} key by key, holding Shift for the characters that need it, as a keyboard does: the remote
     * desktop gets key codes, not characters, so a capital letter is Shift and the letter's key.
     */
    private static void typeAsAPerson(WebDriver browser, String text) {
        String shifted = "~!@#$%^&*()_+{}|:\"<>?";
        String unshifted = "`1234567890-=[]\\;',./";
        Actions keys = new Actions(browser);
        for (char c : text.toCharArray()) {
            int at = shifted.indexOf(c);
            if (Character.isUpperCase(c) || at >= 0) {
                char key = at >= 0 ? unshifted.charAt(at) : Character.toLowerCase(c);
                keys.keyDown(Keys.SHIFT).sendKeys(String.valueOf(key)).keyUp(Keys.SHIFT);
            } else {
                keys.sendKeys(String.valueOf(c));
            }
            keys.pause(Duration.ofMillis(40));
        }
        keys.perform();
    }

    private static int mostCommonColour(Path screenshot) throws IOException {
        BufferedImage image = ImageIO.read(screenshot.toFile());
        Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                counts.merge(image.getRGB(x, y), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** The share of the screenshot's pixels that have {@code colour}. */
    private static double share(Path screenshot, int colour) throws IOException {
        BufferedImage image = ImageIO.read(screenshot.toFile());
        long same = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                same += image.getRGB(x, y) == colour ? 1 : 0;
            }
        }
        return (double) same / ((long) image.getWidth() * image.getHeight());
    }

    private static void signInToPanel(WebDriver browser, String user, String password) {
        browser.get(server.url() + "/ui/login");
        browser.findElement(By.name("username")).sendKeys(user);
        browser.findElement(By.name("password")).sendKeys(password);
        browser.findElement(By.cssSelector("form button[type=submit]")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(driver -> driver.getTitle().startsWith(
                "Constellations"));
    }

    /** Runs {@code script} on {@code member} as alice, with her own environment, as a shell in her session would. */
    private static HostCommands.Result asAlice(HostCommands member, String script) {
        return member.run(List.of("sh", "-c", "exec setpriv --reuid=alice --regid=\"$(id -g alice)\" --init-groups"
                + " --reset-env -- sh -c \"$1\"", "sh", script), null);
    }

    private static HostCommands host(String vmName) throws Exception {
        String vmId = api("GET", "/vms/" + vmName, null).get("id").asText();
        return hosts.find(vmId).orElseThrow(() -> new AssertionError("no host for " + vmName)).commands();
    }

    private static JsonNode api(String method, String path, Object body) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/auth/tokens"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON
                        .writeValueAsString(Map.of("username", "admin", "password", ADMIN_PASSWORD, "name", "t"
                                + System.nanoTime())))).build(), HttpResponse.BodyHandlers.ofString());
        String bearer = JSON.readTree(token.body()).get("token").asText();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1" + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    private static void createUser(CliRunner admin, String name) {
        assertOk(admin.withVariable(Passwords.NEW_USER_VARIABLE, name + "-password").run("user", "create", name,
                "--role", "user"));
    }

    private static CliRunner loggedIn(String directory, String user, String password) {
        CliRunner cli = new CliRunner(temporary.resolve(directory)).withVariable("ASTERISM_PASSWORD", password);
        assertOk(cli.run("login", "--server", server.url(), "--user", user));
        return cli;
    }

    private static void assertOk(CliRunner.Result result) {
        assertThat(result.exitCode()).as("out: %s\nerr: %s", result.out(), result.err()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void awaitTrue(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as("%s within %s", what, timeout).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }
}
