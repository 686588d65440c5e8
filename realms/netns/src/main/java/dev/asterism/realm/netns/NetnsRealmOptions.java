package dev.asterism.realm.netns;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How the netns realm runs.
 *
 * @param prefix the prefix of every namespace and directory it makes (see {@link dev.asterism.guest.linux.NetnsHosts})
 * @param maxVms how many hosts it holds at most (each with an agent JVM of about 100 MB)
 * @param agentCommand the command that runs the agent program ({@code java -cp ... AgentMain}), to which the realm
 *     adds {@code --state} and {@code --bootstrap}; empty to make hosts without agents (realm tests)
 * @param provisionCache a directory for saved domain trees, given to the agents; empty for none
 */
public record NetnsRealmOptions(String prefix, int maxVms, List<String> agentCommand,
        Optional<String> provisionCache) {
    public NetnsRealmOptions {
        requireNonNull(prefix, "prefix is null");
        if (maxVms < 1) {
            throw new IllegalArgumentException("maxVms must be positive");
        }
        agentCommand = List.copyOf(agentCommand);
        requireNonNull(provisionCache, "provisionCache is null");
    }

    /**
     * The command that runs the agent with this JVM's own Java and class path (where the agent classes are), the
     * class path made absolute: the agents run in other working directories than this JVM.
     */
    public static List<String> agentCommandOfThisJvm() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-Xmx96m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", absolute(System.getProperty("java.class.path")), "dev.asterism.agent.AgentMain");
    }

    /** Each entry of a class path as an absolute path. */
    static String absolute(String classPath) {
        return Arrays.stream(classPath.split(File.pathSeparator)).filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
