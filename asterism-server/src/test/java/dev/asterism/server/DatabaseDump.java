package dev.asterism.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Every value of every table of an H2 database (or every file of a directory) as text, for tests that search it for secrets. */
final class DatabaseDump {
    private DatabaseDump() {}

    static String of(String url) throws Exception {
        StringBuilder dump = new StringBuilder();
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet tables = statement.executeQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'PUBLIC'")) {
            List<String> names = new ArrayList<>();
            while (tables.next()) {
                names.add(tables.getString(1));
            }
            for (String table : names) {
                try (Statement rows = connection.createStatement();
                        ResultSet result = rows.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    int columns = result.getMetaData().getColumnCount();
                    while (result.next()) {
                        for (int column = 1; column <= columns; column++) {
                            dump.append(result.getString(column)).append('|');
                        }
                        dump.append('\n');
                    }
                }
            }
        }
        return dump.toString();
    }

    /** The contents of every file under {@code directory}, one after the other. */
    static String filesUnder(java.nio.file.Path directory) throws java.io.IOException {
        StringBuilder all = new StringBuilder();
        try (var files = java.nio.file.Files.walk(directory)) {
            for (java.nio.file.Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                all.append(new String(java.nio.file.Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .append('\n');
            }
        }
        return all.toString();
    }
}
