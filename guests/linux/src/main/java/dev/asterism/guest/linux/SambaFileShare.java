package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.FileShare;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * File shares of the domain controller's Samba, one section each in {@value #SHARES}, which the controller's
 * {@code smb.conf} includes; a change is applied with {@code smbcontrol all reload-config}. A share's directory is
 * writable by every domain user, and every directory above it can be passed through; access is the domain's to grant
 * (only domain users can log on).
 */
final class SambaFileShare implements FileShare {
    static final String SHARES = "/etc/samba/asterism-shares.conf";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._/-]{0,200}");

    private final HostCommands commands;
    private final SambaDomainController domainController;

    SambaFileShare(HostCommands commands, SambaDomainController domainController) {
        this.commands = requireNonNull(commands, "commands is null");
        this.domainController = requireNonNull(domainController, "domainController is null");
    }

    @Override
    public synchronized void ensureShare(String name, String path) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new GuestException(Code.INVALID, "a share name is 1 to 32 letters, digits, hyphens and underscores");
        }
        if (path == null || !PATH.matcher(path).matches() || path.contains("..") || path.equals("/")) {
            throw new GuestException(Code.INVALID, "a share path is an absolute path of letters, digits, dots, hyphens"
                    + " and underscores, without '..': '" + path + "'");
        }
        if (domainController.provisionedDomain().isEmpty()) {
            throw new GuestException(Code.NOT_FOUND, "no domain is provisioned on this guest; provision it first");
        }
        Map<String, String> shares = shares();
        // Samba opens the share as the signed-in user, who must be able to pass through every directory above it
        // (the agent's umask on a VM makes new directories owner-only).
        HostCommands.Result made = commands.run(List.of("sh", "-c", "umask 022 && mkdir -p \"$1\" && chmod 1777 \"$1\""
                + " && d=$(dirname \"$1\") && while [ \"$d\" != / ]; do chmod a+x \"$d\" || exit 1; d=$(dirname \"$d\");"
                + " done", "sh", path), null);
        if (!made.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot make the share directory " + path + ": " + made.printed());
        }
        if (path.equals(shares.get(name))) {
            return;
        }
        shares.put(name, path);
        write(shares);
    }

    @Override
    public synchronized void removeShare(String name) {
        Map<String, String> shares = shares();
        if (shares.remove(name) != null) {
            write(shares);
        }
    }

    @Override
    public Map<String, String> shares() {
        Map<String, String> shares = new LinkedHashMap<>();
        String current = null;
        for (String line : commands.readText(SHARES).orElse("").lines().map(String::strip).toList()) {
            if (line.startsWith("[") && line.endsWith("]")) {
                current = line.substring(1, line.length() - 1);
            } else if (current != null && line.startsWith("path = ")) {
                shares.put(current, line.substring("path = ".length()));
            }
        }
        return shares;
    }

    private void write(Map<String, String> shares) {
        StringBuilder config = new StringBuilder("# Written by the Asterism agent; changes are overwritten.\n");
        shares.forEach((name, path) -> config.append('[').append(name).append("]\n")
                .append("\tpath = ").append(path).append('\n')
                .append("\tread only = no\n")
                .append("\tvalid users = @\"Domain Users\"\n")
                .append("\tcreate mask = 0660\n\tdirectory mask = 0770\n"));
        commands.writeText(SHARES, config.toString());
        commands.run(List.of("chmod", "644", SHARES), null);
        domainController.reloadConfiguration();
    }
}
