package dev.asterism.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The server's configuration file ({@code asterism server --config FILE}): one {@code key = value} a line, the keys
 * being the long options of {@code asterism server} without their dashes; {@code #} starts a comment (at the start
 * of a line, or after white space). A value
 * from the file stands where the option's own default would; the option given on the command line overrides it. A
 * list option takes its values separated by commas; a flag takes {@code true} or {@code false}.
 *
 * <p>Secrets never go in it (it is usually readable by more than the server): the database and the first
 * administrator's passwords come from files named by {@code database-password-file} and
 * {@code admin-password-file}, or from the environment.
 */
final class ConfigFile implements IDefaultValueProvider {
    static final String OPTION = "--config";
    /** The commands whose options a configuration file sets. */
    private static final List<String> COMMANDS = List.of("server", "demo");
    /** Keys refused with what to do instead. */
    private static final Map<String, String> SECRETS = Map.of(
            "database-password", "put it in a file readable by the server only and name it with"
                    + " database-password-file, or set ASTERISM_DATABASE_PASSWORD",
            "admin-password", "put it in a file readable by the server only and name it with admin-password-file,"
                    + " or set ASTERISM_ADMIN_PASSWORD");

    private final Path file;
    private final Map<String, Line> values;
    /** Why the file cannot be used, reported when the command's options are read; null when it can. */
    private final String problem;

    /** One setting and the line it stands on, for messages. */
    record Line(int number, String value) {}

    private ConfigFile(Path file, Map<String, Line> values, String problem) {
        this.file = file;
        this.values = Map.copyOf(values);
        this.problem = problem;
    }

    /**
     * The file named by {@code --config FILE} or {@code --config=FILE} among {@code args}, read and checked for its
     * form; empty when there is none. A file that cannot be read, or a line that is not {@code key = value}, is
     * reported as a usage error of the command when its options are read.
     */
    static Optional<ConfigFile> fromArguments(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals(OPTION) && i + 1 < args.length) {
                return Optional.of(read(args[i + 1]));
            }
            if (args[i].startsWith(OPTION + "=")) {
                return Optional.of(read(args[i].substring(OPTION.length() + 1)));
            }
        }
        return Optional.empty();
    }

    private static ConfigFile read(String name) {
        try {
            return read(Path.of(name));
        } catch (java.nio.file.InvalidPathException e) {
            return new ConfigFile(Path.of("."), Map.of(), "'" + name + "' is not a file name: " + e.getReason());
        }
    }

    static ConfigFile read(Path file) {
        try {
            return new ConfigFile(file, parse(file), null);
        } catch (IllegalArgumentException e) {
            return new ConfigFile(file, Map.of(), e.getMessage());
        }
    }

    private static Map<String, Line> parse(Path file) {
        List<String> lines;
        try {
            lines = List.of(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(
                    file))).toString().split("\r?\n", -1));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the configuration file " + file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the configuration file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
        Map<String, Line> values = new LinkedHashMap<>();
        for (int number = 1; number <= lines.size(); number++) {
            String line = lines.get(number - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            String where = file + " line " + number;
            if (equals < 1) {
                throw new IllegalArgumentException(where + ": write 'key = value', not '" + line + "'");
            }
            String key = line.substring(0, equals).strip();
            // A comment may follow a value, after white space.
            String value = line.substring(equals + 1).replaceFirst("\\s+#.*$", "").strip();
            if (SECRETS.containsKey(key)) {
                throw new IllegalArgumentException(where + ": " + key + " does not belong in the configuration file: "
                        + SECRETS.get(key));
            }
            if (values.containsKey(key)) {
                throw new IllegalArgumentException(where + ": " + key + " is set already on line "
                        + values.get(key).number());
            }
            values.put(key, new Line(number, value));
        }
        return values;
    }

    /** Installs this file as the source of defaults of the commands it configures. */
    void install(CommandLine root) {
        for (String name : COMMANDS) {
            CommandLine command = root.getSubcommands().get(name);
            if (command != null) {
                command.setDefaultValueProvider(this);
            }
        }
    }

    /**
     * The file's value for {@code argument}, or null for the option's own default. A file that cannot be used, or a
     * key that is no option of the command, is reported instead (picocli asks before it reads the command line).
     */
    @Override
    public String defaultValue(ArgSpec argument) {
        CommandSpec command = argument.command();
        if (problem != null) {
            throw new ParameterException(command.commandLine(), problem);
        }
        for (Map.Entry<String, Line> entry : values.entrySet()) {
            OptionSpec option = command.findOption("--" + entry.getKey());
            if (option == null || option.longestName().equals(OPTION)) {
                throw new ParameterException(command.commandLine(), file + " line " + entry.getValue().number()
                        + ": unknown key '" + entry.getKey() + "': the keys are the long options of `asterism "
                        + command.name() + "` without their dashes (see `asterism " + command.name() + " --help`)");
            }
        }
        if (!(argument instanceof OptionSpec option) || option.longestName().equals(OPTION)) {
            return null;
        }
        Line line = values.get(option.longestName().substring(2));
        if (line == null) {
            return null;
        }
        // "3389, 22" as a person writes a list.
        return option.isMultiValue() ? line.value().replaceAll("\\s*,\\s*", ",") : line.value();
    }

    /**
     * The message for a value that cannot be taken, saying where it stands when it came from this file rather than
     * from the command line.
     */
    String describe(ParameterException exception) {
        if (exception.getArgSpec() instanceof OptionSpec option) {
            Line line = values.get(option.longestName().substring(2));
            if (line != null && exception.getMessage().contains("'" + line.value() + "'")) {
                return file + " line " + line.number() + ": " + option.longestName().substring(2) + ": "
                        + exception.getMessage();
            }
        }
        return exception.getMessage();
    }
}
