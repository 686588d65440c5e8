package dev.asterism.spi.guest;

import java.util.Map;

/**
 * File shares served by the controlling VM to the domain's users (Samba or Windows SMB shares). Shares and their
 * files live on disk and survive reboots.
 */
public interface FileShare {
    /** The share every constellation's controller serves to its people, mounted or mapped on its members. */
    String CONSTELLATION_SHARE = "shared";

    /**
     * Shares the directory {@code path} under {@code name}, readable and writable by the domain's users, creating the
     * directory when needed. Idempotent: sharing the same path under the same name again changes nothing; another
     * path under an existing name moves the share.
     *
     * @param name 1 to 32 letters, digits, hyphens and underscores
     * @param path an absolute path on the guest
     * @throws GuestException {@code INVALID} for a bad name or path; {@code NOT_FOUND} when no domain is provisioned
     *     on this guest; {@code UNAVAILABLE} when the file server cannot be changed now
     */
    void ensureShare(String name, String path);

    /**
     * Stops sharing {@code name}; the files stay on disk. Removing a share that does not exist succeeds.
     *
     * @throws GuestException {@code UNAVAILABLE} when the file server cannot be changed now
     */
    void removeShare(String name);

    /** The shares served now, name to path. */
    Map<String, String> shares();
}
