package dev.asterism.cli;

/** The exit codes of {@code asterism}, which scripts may rely on. */
public enum ExitStatus {
    SUCCESS(0),
    /** The server refused a request, or a VM being waited for failed. */
    FAILURE(1),
    /** The command line was wrong; picocli's own code for invalid input. */
    USAGE(2),
    SERVER_UNREACHABLE(3),
    NOT_LOGGED_IN(4),
    /** A {@code --wait} ran out of time; the operation keeps going on the server. */
    TIMED_OUT(5),
    /** A bug in the CLI: {@code EX_SOFTWARE} from sysexits.h. */
    INTERNAL_ERROR(70);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
