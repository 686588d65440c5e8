package dev.asterism.realm.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.spi.realm.RealmException;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The realm refuses, before it makes anything, an agent program that its hosts cannot see. */
class NetnsRealmAgentCommandTest {

    @Test
    void an_agent_under_tmp_or_run_is_refused_with_what_to_do() {
        for (String classPath : List.of("/tmp/asterism.jar", "/opt/lib/a.jar:/run/user/0/b.jar")) {
            List<String> command = List.of("/usr/bin/java", "-Xmx96m", "-cp", classPath, "dev.asterism.agent.AgentMain");
            assertThatThrownBy(() -> new NetnsRealm(new NetnsRealmOptions("ast-t", 2, command, Optional.empty())))
                    .isInstanceOf(RealmException.class)
                    .hasMessageContaining("every host has its own empty /tmp and /run")
                    .hasMessageContaining("run Asterism from another directory");
        }
    }

    @Test
    void the_agent_class_path_of_this_jvm_is_absolute_whatever_the_working_directory() {
        String relative = "asterism.jar" + File.pathSeparator + "lib/../lib/more.jar";
        String cwd = Path.of("").toAbsolutePath().toString();
        assertThat(NetnsRealmOptions.absolute(relative))
                .isEqualTo(cwd + "/asterism.jar" + File.pathSeparator + cwd + "/lib/more.jar");
        assertThat(NetnsRealmOptions.agentCommandOfThisJvm()).allSatisfy(part -> {
            if (part.contains(".jar")) {
                assertThat(part.split(File.pathSeparator)).allMatch(entry -> entry.startsWith("/"));
            }
        });
    }
}
