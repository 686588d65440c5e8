package dev.asterism.spi.guest;

/**
 * Reading and writing files on another guest's share as a domain user ({@code smbclient} on Linux), for tests of a
 * constellation's shared file system. Holds no state.
 */
public interface FileShareClient {

    /**
     * Writes {@code content} to {@code file} (a relative path with {@code /} separators) on the share, replacing it.
     *
     * @throws GuestException {@code INVALID} when the user or password is wrong or the path is bad;
     *     {@code NOT_FOUND} when the server has no such share; {@code UNAVAILABLE} when the server cannot be reached
     */
    void writeFile(Ipv4Address server, String share, String file, String userName, Secret password, byte[] content);

    /**
     * Reads {@code file} from the share.
     *
     * @throws GuestException {@code NOT_FOUND} when the share or the file does not exist; otherwise as
     *     {@link #writeFile}
     */
    byte[] readFile(Ipv4Address server, String share, String file, String userName, Secret password);
}
