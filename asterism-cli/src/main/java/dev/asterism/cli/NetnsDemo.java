package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.ApiException;
import dev.asterism.cli.api.Json;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.realm.netns.NetnsRealm;
import dev.asterism.server.AsterismServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo on real Linux guests: whether the netns realm can run here (installing its packages with apt when this
 * process may), and a constellation {@value #CONSTELLATION} with a controller and two Linux workers, made through the
 * server's own API with its progress printed, ending with how to act as a domain user on the workers.
 */
final class NetnsDemo {
    static final String CONSTELLATION = "demo";
    private static final String USER = "researcher";
    private static final Duration PATIENCE = Duration.ofMinutes(10);

    private final AsterismServer server;
    private final String adminPassword;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Json json = new Json();
    private ApiClient api;

    private NetnsDemo(AsterismServer server, String adminPassword, PrintWriter out) {
        this.server = server;
        this.adminPassword = adminPassword;
        this.out = out;
    }

    /**
     * Why the netns realm cannot run on this machine, or empty when it can. Installs missing packages with
     * {@code apt-get} when running as root, printing that it does.
     */
    static Optional<String> unavailableBecause(PrintWriter out) {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return Optional.of("this is not Linux");
        }
        if (!"root".equals(ProcessHandle.current().info().user().orElse(""))) {
            return Optional.of("it needs root (network namespaces, nftables, WireGuard)");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return Optional.of("/dev/net/tun is missing, and WireGuard needs it");
        }
        List<String> missing = LinuxPackages.missing();
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String install = "apt-get install --no-install-recommends " + String.join(" ", missing);
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return Optional.of("the guest packages are missing and there is no apt-get: " + install);
        }
        out.println("Installing the guest packages for the netns realm with apt-get (a minute or two): "
                + String.join(" ", missing));
        out.flush();
        if (apt(List.of("update", "-qq")) != 0 || apt(withInstall(missing)) != 0 || !LinuxPackages.missing().isEmpty()) {
            return Optional.of("apt-get could not install the guest packages; run it yourself: " + install);
        }
        return Optional.empty();
    }

    private static List<String> withInstall(List<String> packages) {
        List<String> arguments = new ArrayList<>(List.of("install", "-y", "-qq", "--no-install-recommends"));
        arguments.addAll(packages);
        return arguments;
    }

    /** Runs apt-get; the packages' own services (smbd, samba-ad-dc) are kept from starting on this machine. */
    private static int apt(List<String> arguments) {
        Path policy = Path.of("/usr/sbin/policy-rc.d");
        boolean madePolicy = false;
        try {
            if (!Files.exists(policy)) {
                Files.writeString(policy, "#!/bin/sh\nexit 101\n");
                policy.toFile().setExecutable(true);
                madePolicy = true;
            }
            List<String> command = new ArrayList<>(List.of("apt-get"));
            command.addAll(arguments);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            return builder.start().waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } finally {
            if (madePolicy) {
                policy.toFile().delete();
            }
        }
    }

    /** Makes the demo constellation in the background, printing its progress to {@code out}. */
    static void start(AsterismServer server, Optional<String> adminPassword, PrintWriter out) {
        if (adminPassword.isEmpty()) {
            out.println("The demo constellation is made on the first run only (this data directory has an admin"
                    + " password from before). Make it yourself:");
            out.println("  ./asterism constellation create --brick controller --name demo");
            out.println("  ./asterism constellation add demo --brick worker --count 2");
            out.flush();
            return;
        }
        NetnsDemo demo = new NetnsDemo(server, adminPassword.get(), out);
        Thread.ofVirtual().name("netns-demo").start(demo::run);
    }

    private void run() {
        try {
            String token = new ApiClient(http, server.url(), Optional.empty(), json).post("/auth/tokens",
                    Map.of("username", "admin", "password", adminPassword, "name", "demo-" + System.currentTimeMillis()))
                    .get("token").asText();
            api = new ApiClient(http, server.url(), Optional.of(token), json);
            if (!exists("/constellations/" + CONSTELLATION)) {
                say("Making the constellation '" + CONSTELLATION + "': a controller (Samba AD, WireGuard hub, nftables,"
                        + " a share) and two Linux workers, each a netns host with its own agent.");
                api.post("/constellations", Map.of("name", CONSTELLATION, "brick", "controller"));
            }
            JsonNode constellation = follow(c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
            if (constellation.get("members").isEmpty()) {
                api.post("/constellations/" + CONSTELLATION + "/members", Map.of("brick", "worker", "count", 2));
            }
            constellation = follow(c -> !c.get("members").isEmpty() && c.get("members").findValuesAsText("phase")
                    .stream().allMatch("READY"::equals), "every member READY");
            instructions(constellation);
        } catch (RuntimeException e) {
            say("The demo constellation stopped: " + e.getMessage() + " (see ./asterism constellation show "
                    + CONSTELLATION + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean exists(String path) {
        try {
            api.get(path);
            return true;
        } catch (ApiException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    /** Polls the constellation, printing each state and phase change, until {@code done} holds. */
    private JsonNode follow(java.util.function.Predicate<JsonNode> done, String what) throws InterruptedException {
        Map<String, String> seen = new LinkedHashMap<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode constellation = api.get("/constellations/" + CONSTELLATION);
            report(seen, "controller", constellation.get("state").asText());
            for (JsonNode member : constellation.get("members")) {
                String condition = member.path("condition").asText("");
                report(seen, member.get("name").asText(), member.get("phase").asText()
                        + (member.get("phase").asText().equals("FAILED") ? ": " + condition : ""));
            }
            if (done.test(constellation)) {
                return constellation;
            }
            if (constellation.get("state").asText().equals("FAILED")) {
                throw new IllegalStateException("the controller failed: " + constellation.path("reason").asText());
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("not " + what + " within " + PATIENCE.toMinutes() + " minutes");
    }

    private void report(Map<String, String> seen, String who, String now) {
        if (!now.equals(seen.put(who, now))) {
            say(String.format("  %-10s %s", who, now));
        }
    }

    /**
     * Makes the demo's researcher through the product, as an owner would: an Asterism user, added to the people of
     * the constellation (a domain account), with a desktop password set as that user; then says how to use it.
     */
    private void instructions(JsonNode constellation) throws InterruptedException {
        NetnsRealm realm = server.netnsRealm().orElseThrow();
        String password = "Demo-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6));
        if (exists("/users/" + USER)) {
            say("The constellation '" + CONSTELLATION + "' is READY; its researcher '" + USER + "' keeps the passwords"
                    + " the first run printed. A desktop: ./asterism login --user " + USER + ", then ./asterism connect "
                    + CONSTELLATION + " w1 --local-port 33890 and an RDP client at 127.0.0.1:33890.");
            return;
        }
        api.post("/users", Map.of("username", USER, "password", password, "role", "user"));
        api.post("/constellations/" + CONSTELLATION + "/people", Map.of("usernames", List.of(USER)));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!personActive()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the domain account of " + USER + " was not made within "
                        + PATIENCE.toMinutes() + " minutes");
            }
            Thread.sleep(500);
        }
        String researcherToken = new ApiClient(http, server.url(), Optional.empty(), json).post("/auth/tokens",
                Map.of("username", USER, "password", password, "name", "demo-" + System.currentTimeMillis()))
                .get("token").asText();
        new ApiClient(http, server.url(), Optional.of(researcherToken), json).put("/constellations/" + CONSTELLATION
                + "/password", Map.of("password", password));
        List<String> members = constellation.get("members").findValuesAsText("name");
        String first = members.get(0);
        StringBuilder text = new StringBuilder("The constellation '" + CONSTELLATION + "' is READY (domain "
                + constellation.get("domain").asText() + "). Its people: admin (the owner) and '" + USER + "', whose"
                + " Asterism password and desktop password are both " + password + ".\n"
                + "A desktop on " + first + " as " + USER + " (any RDP client; here FreeRDP from Debian's freerdp2-x11):\n"
                + "  ASTERISM_PASSWORD='" + password + "' ./asterism login --server " + server.url() + " --user " + USER
                + "\n  ./asterism connect " + CONSTELLATION + " " + first + " --local-port 33890 --rdp-file "
                + CONSTELLATION + "-" + first + ".rdp &\n"
                + "  xfreerdp /v:127.0.0.1:33890 /u:" + USER + " /p:'" + password + "' /cert:ignore /size:1280x800\n"
                + "Act as that user on a worker's command line (a netns host; run as root):\n");
        for (String member : members) {
            String enter = realm.enterCommand(vmId(CONSTELLATION + "-" + member)).orElseThrow();
            text.append("  ").append(member).append(":  ").append(enter).append(" sh -c 'echo ").append(password)
                    .append(" | kinit ").append(USER).append(" && klist && PASSWD=").append(password)
                    .append(" smbclient //10.77.0.1/shared -U ").append(USER).append(" -c ls'\n");
        }
        text.append("The file share is //10.77.0.1/shared on the VPN; in a desktop session it is at ~/shared, the"
                + " same files on every worker.\nAdd more people: ./asterism constellation user add " + CONSTELLATION + " USER; each sets a"
                + " desktop password with ./asterism constellation password " + CONSTELLATION + ".\n"
                + "The VMs keep running when the demo stops: ./asterism constellation destroy " + CONSTELLATION
                + " removes them.");
        say(text.toString());
    }

    private boolean personActive() {
        for (JsonNode person : api.get("/constellations/" + CONSTELLATION + "/people")) {
            if (person.get("username").asText().equals(USER) && person.get("state").asText().equals("ACTIVE")) {
                return true;
            }
        }
        return false;
    }

    private String vmId(String vmName) {
        return api.get("/vms/" + ApiClient.segment(vmName)).get("id").asText();
    }

    private void say(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

}
