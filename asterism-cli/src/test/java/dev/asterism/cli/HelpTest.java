package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class HelpTest {

    @TempDir
    Path configDirectory;

    @Test
    void every_command_has_help_with_a_description_of_its_own() {
        CommandLine top = new CommandLine(new AsterismCommand());
        List<CommandLine> commands = new ArrayList<>();
        collect(top, commands);
        assertThat(commands).hasSizeGreaterThan(30);

        for (CommandLine command : commands) {
            String qualifiedName = command.getCommandSpec().qualifiedName();
            List<String> words = List.of(qualifiedName.split(" "));
            List<String> arguments = new ArrayList<>(words.subList(1, words.size()));
            arguments.add("--help");

            CliRunner.Result result = new CliRunner(configDirectory).run(arguments.toArray(String[]::new));

            assertThat(result.exitCode()).as("exit code of %s --help", qualifiedName).isZero();
            assertThat(result.out()).as("help of %s", qualifiedName).startsWith("Usage: " + qualifiedName);
            String[] description = command.getCommandSpec().usageMessage().description();
            assertThat(description).as("description of %s", qualifiedName).isNotEmpty();
            if (command != top) {
                // An empty description would silently inherit the top command's one.
                assertThat(description).isNotEqualTo(top.getCommandSpec().usageMessage().description());
            }
        }
    }

    @Test
    void the_line_each_command_shows_in_its_parents_list_is_a_whole_sentence() {
        // The list of commands in `asterism --help` shows the first line of each description, and only that.
        CommandLine top = new CommandLine(new AsterismCommand());
        List<CommandLine> commands = new ArrayList<>();
        collect(top, commands);
        List<String> cut = new ArrayList<>();
        for (CommandLine command : commands) {
            String first = command.getCommandSpec().usageMessage().description()[0].strip();
            if (!first.endsWith(".") && !first.endsWith(":") && !first.endsWith(")")) {
                cut.add(command.getCommandSpec().qualifiedName() + ": " + first);
            }
        }
        assertThat(cut).as("first description lines that stop mid-sentence").isEmpty();
    }

    @Test
    void no_help_text_breaks_a_line_in_the_middle_of_a_sentence() {
        // Each element of a description is printed as its own line, wrapped to the terminal: one that stops
        // mid-sentence breaks the sentence in two wherever the terminal's width puts it.
        CommandLine top = new CommandLine(new AsterismCommand());
        List<CommandLine> commands = new ArrayList<>();
        collect(top, commands);
        List<String> broken = new ArrayList<>();
        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            wholeParagraphs(name, command.getCommandSpec().usageMessage().description(), broken);
            command.getCommandSpec().options().forEach(option ->
                    wholeParagraphs(name + " " + option.longestName(), option.description(), broken));
            command.getCommandSpec().positionalParameters().forEach(parameter ->
                    wholeParagraphs(name + " " + parameter.paramLabel(), parameter.description(), broken));
        }
        assertThat(broken).as("description lines that stop mid-sentence").isEmpty();
    }

    private static void wholeParagraphs(String where, String[] description, List<String> broken) {
        for (int i = 0; i < description.length - 1; i++) {
            String line = description[i].strip();
            if (!line.isEmpty() && !line.matches(".*[.:)!?]")) {
                broken.add(where + ": " + line);
            }
        }
    }

    @Test
    void the_version_is_printed_by_the_top_command() {
        CliRunner.Result result = new CliRunner(configDirectory).run("--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("0.1.0\n");
    }

    private static void collect(CommandLine commandLine, List<CommandLine> commands) {
        commands.add(commandLine);
        commandLine.getSubcommands().values().forEach(subcommand -> collect(subcommand, commands));
    }
}
