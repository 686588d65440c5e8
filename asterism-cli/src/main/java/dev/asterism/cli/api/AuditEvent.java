package dev.asterism.cli.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One link of the audit hash chain.
 *
 * @param details free-form, different for every action; shown as compact JSON
 * @param seal the hash sealed with the server's audit key (null for events written before it had one)
 */
public record AuditEvent(long seq, String time, String actor, String action, String target, JsonNode details,
        String prevHash, String hash, String seal) {}
