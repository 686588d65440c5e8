package dev.asterism.agent;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.GuestPlatformProvider;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * The agent program of a VM: {@code java -jar asterism-agent.jar --state DIR [--bootstrap FILE]}. The first start
 * reads the bootstrap data the realm handed to the VM (a properties file: vmId, serverUrl, caFingerprint,
 * registrationToken, and optionally platform, hostName, underlayAddress), makes the agent's state in DIR and
 * registers; later starts need only DIR. Runs until SIGTERM, which closes the agent (the JVM then exits with 143);
 * exit status 2 for bad input, 3 when the server refused the registration.
 */
public final class AgentMain {
    static final int OK = 0;
    static final int USAGE = 2;
    static final int REFUSED = 3;

    private static final String SETTINGS_FILE = "agent.properties";
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{64}");
    private static final String USAGE_TEXT = """
            usage: asterism-agent --state DIR [--bootstrap FILE]
              --state DIR       the agent's state directory (kept across restarts; 0700)
              --bootstrap FILE  the bootstrap data of a VM's first start: a properties file with vmId, serverUrl,
                                caFingerprint, registrationToken, and optionally platform (sim, linux or
                                windows; default sim), hostName and underlayAddress
            Runs until SIGTERM (exit status 143). Exit status 2: bad input; 3: registration refused by the server.""";

    private AgentMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
        if (options.containsKey("--help")) {
            out.println(USAGE_TEXT);
            return OK;
        }
        Path state = Path.of(options.get("--state"));
        Properties settings;
        GuestPlatform platform;
        try {
            boolean firstStart = !AgentState.exists(state);
            Properties bootstrap = firstStart ? bootstrap(state, options.get("--bootstrap")) : null;
            settings = firstStart ? settingsFrom(bootstrap) : settingsIn(state);
            platform = platform(settings.getProperty("platform"), state, settings.getProperty("hostName"),
                    Ipv4Address.of(settings.getProperty("underlayAddress")));
            if (firstStart) {
                AgentState.create(state, bootstrap.getProperty("vmId"), settings.getProperty("serverUrl"),
                        Secret.of(bootstrap.getProperty("registrationToken")));
                write(state.resolve(SETTINGS_FILE), settings);
            }
        } catch (IllegalArgumentException | GuestException | UncheckedIOException | AgentStateException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        }
        AgentSupervisor supervisor = new AgentSupervisor(state, platform, () -> settings.getProperty("serverUrl"),
                () -> settings.getProperty("caFingerprint"), Clock.systemUTC(), Duration.ofSeconds(1));
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::close, "asterism-agent-shutdown"));
        out.println("asterism agent " + AgentOptions.VERSION + " for VM " + AgentState.load(state).vmId() + " on the "
                + platform.name() + " platform, dialling " + settings.getProperty("serverUrl"));
        out.flush();
        supervisor.start("asterism-agent");
        try {
            Agent.Stop stop = supervisor.ended().get();
            if (stop.reason() == Agent.StopReason.REGISTRATION_REFUSED) {
                err.println("error: the server refused the registration: " + stop.message());
                return REFUSED;
            }
            return OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OK;
        } catch (ExecutionException e) {
            err.println("error: " + e.getCause().getMessage());
            return USAGE;
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String name = rest.removeFirst();
            switch (name) {
                case "--help", "-h" -> options.put("--help", "");
                case "--state", "--bootstrap" -> {
                    if (rest.isEmpty() || rest.getFirst().startsWith("--")) {
                        throw new IllegalArgumentException(name + " needs a value");
                    }
                    options.put(name, rest.removeFirst());
                }
                default -> throw new IllegalArgumentException("unknown option '" + name + "'");
            }
        }
        if (!options.containsKey("--help") && !options.containsKey("--state")) {
            throw new IllegalArgumentException("--state is required");
        }
        return options;
    }

    /** Reads and checks the bootstrap data of a first start. */
    private static Properties bootstrap(Path state, String bootstrapFile) {
        if (bootstrapFile == null) {
            throw new IllegalArgumentException("no agent state in " + state + ": give the VM's bootstrap data with"
                    + " --bootstrap FILE on its first start");
        }
        Properties bootstrap = read(Path.of(bootstrapFile));
        for (String key : List.of("vmId", "serverUrl", "caFingerprint", "registrationToken")) {
            if (bootstrap.getProperty(key, "").isBlank()) {
                throw new IllegalArgumentException("the bootstrap data in " + bootstrapFile + " has no " + key);
            }
        }
        if (!FINGERPRINT.matcher(bootstrap.getProperty("caFingerprint")).matches()) {
            throw new IllegalArgumentException("caFingerprint in " + bootstrapFile
                    + " must be the CA certificate's SHA-256 as 64 hexadecimal digits");
        }
        if (!bootstrap.getProperty("serverUrl").startsWith("wss://")) {
            throw new IllegalArgumentException("serverUrl in " + bootstrapFile + " must be a wss:// URL");
        }
        return bootstrap;
    }

    /** What later starts need from the bootstrap data: all but the one-time token. */
    private static Properties settingsFrom(Properties bootstrap) {
        String vmId = bootstrap.getProperty("vmId");
        Properties settings = new Properties();
        settings.setProperty("serverUrl", bootstrap.getProperty("serverUrl"));
        settings.setProperty("caFingerprint", bootstrap.getProperty("caFingerprint"));
        settings.setProperty("platform", bootstrap.getProperty("platform", "sim"));
        settings.setProperty("hostName", bootstrap.getProperty("hostName",
                "vm-" + vmId.substring(0, Math.min(8, vmId.length()))));
        settings.setProperty("underlayAddress", bootstrap.getProperty("underlayAddress", "198.18.255.254"));
        return settings;
    }

    private static Properties settingsIn(Path state) {
        Path file = state.resolve(SETTINGS_FILE);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("the agent state in " + state + " has no " + SETTINGS_FILE
                    + ": it was not made by this program");
        }
        return read(file);
    }

    private static GuestPlatform platform(String name, Path state, String hostName, Ipv4Address address) {
        List<String> known = new ArrayList<>();
        for (GuestPlatformProvider provider : ServiceLoader.load(GuestPlatformProvider.class)) {
            if (provider.name().equals(name)) {
                return provider.open(state, hostName, address);
            }
            known.add(provider.name());
        }
        throw new IllegalArgumentException("no guest platform '" + name + "' in this agent; it has " + known);
    }

    private static Properties read(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        return properties;
    }

    private static void write(Path file, Properties properties) {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, "asterism agent settings (no secrets)");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
