package dev.asterism.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Every value of every table of an H2 database as text, for tests that search it for secrets. */
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
}
