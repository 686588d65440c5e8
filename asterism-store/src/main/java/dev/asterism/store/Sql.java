package dev.asterism.store;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.reconciliation.Claim;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** Prepared statements on one connection, with values bound the same way on H2 and PostgreSQL. */
final class Sql {
    private final Connection connection;

    Sql(Connection connection) {
        this.connection = connection;
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    int update(String sql, Object... parameters) {
        try (PreparedStatement statement = prepare(sql, parameters)) {
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw translate(e, sql);
        }
    }

    /** An insert whose unique-key violation means "a {@code kind} named {@code name} exists already". */
    void insertUnique(String kind, String name, String sql, Object... parameters) {
        try (PreparedStatement statement = prepare(sql, parameters)) {
            statement.executeUpdate();
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                throw AsterismException.alreadyExists(kind, name);
            }
            throw translate(e, sql);
        }
    }

    <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) {
        try (PreparedStatement statement = prepare(sql, parameters); ResultSet rows = statement.executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) {
                result.add(mapper.map(rows));
            }
            return result;
        } catch (SQLException e) {
            throw translate(e, sql);
        }
    }

    <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... parameters) {
        List<T> rows = query(sql, mapper, parameters);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    /**
     * Claims up to {@code limit} rows of {@code table} whose check is due and that no other claimant holds, oldest
     * check first: locks them (skipping rows another transaction has locked), marks them claimed, and returns them
     * read with {@code columns} and {@code mapper}. Must run in a transaction, so the locks hold until the claim is
     * written.
     */
    <T> List<T> claimDue(String table, String columns, RowMapper<T> mapper, Claim claim, int limit) {
        List<String> ids = query("SELECT id FROM " + table + " WHERE next_check_at <= ?"
                        + " AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"
                        + " ORDER BY next_check_at FETCH FIRST " + limit + " ROWS ONLY FOR UPDATE SKIP LOCKED",
                row -> row.getString(1), claim.now(), claim.now(), claim.claimant());
        if (ids.isEmpty()) {
            return List.of();
        }
        String idList = " WHERE id IN (" + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
        List<Object> parameters = new ArrayList<>(List.of(claim.claimant(), claim.until()));
        parameters.addAll(ids);
        update("UPDATE " + table + " SET claimed_by = ?, claimed_until = ?" + idList, parameters.toArray());
        return query("SELECT " + columns + " FROM " + table + idList + " ORDER BY next_check_at", mapper,
                ids.toArray());
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            Object value = parameters[i];
            switch (value) {
                case null -> statement.setNull(i + 1, Types.NULL);
                case Instant instant -> statement.setObject(i + 1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
                case Enum<?> constant -> statement.setString(i + 1, constant.name());
                default -> statement.setObject(i + 1, value);
            }
        }
        return statement;
    }

    static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    private static StoreException translate(SQLException e, String sql) {
        return new StoreException("database statement failed: " + e.getMessage() + " [" + sql + "]", e);
    }
}
