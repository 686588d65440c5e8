package dev.asterism.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}).
 * The parameters travel inside each hash, so stronger defaults later still verify older hashes.
 */
public final class PasswordHasher {
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getDecoder();
    private static final java.util.concurrent.Semaphore HASHING =
            new java.util.concurrent.Semaphore(Runtime.getRuntime().availableProcessors());
    // Declared after the encoders: its constructor hashes.
    /** OWASP's first recommended Argon2id setting: 19 MiB, 2 passes, 1 lane. */
    public static final PasswordHasher DEFAULT = new PasswordHasher(19 * 1024, 2, 1);

    private final SecureRandom random = new SecureRandom();
    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    private final String dummyHash;

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.dummyHash = hash("not a password of anyone");
    }

    public String hash(String password) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] digest = argon2(password, salt, memoryKib, iterations, parallelism);
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$"
                + ENCODER.encodeToString(salt) + "$" + ENCODER.encodeToString(digest);
    }

    /** Whether {@code password} matches {@code stored}; a malformed stored hash never matches. */
    public boolean verify(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 6 || !parts[1].equals("argon2id")) {
            return false;
        }
        try {
            int memory = 0;
            int passes = 0;
            int lanes = 0;
            for (String parameter : parts[3].split(",")) {
                String[] pair = parameter.split("=");
                int value = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> memory = value;
                    case "t" -> passes = value;
                    case "p" -> lanes = value;
                    default -> {
                        return false;
                    }
                }
            }
            byte[] salt = DECODER.decode(parts[4]);
            byte[] expected = DECODER.decode(parts[5]);
            return MessageDigest.isEqual(expected, argon2(password, salt, memory, passes, lanes));
        } catch (IllegalArgumentException | IllegalStateException | ArrayIndexOutOfBoundsException e) {
            // IllegalStateException: Bouncy Castle refuses parameters below its minimum (t=0, p=0, p missing).
            return false;
        }
    }

    /** Spends the time of one verification, so that an unknown user name answers as slowly as a known one. */
    public void verifyNothing(String password) {
        verify(password, dummyHash);
    }

    private static byte[] argon2(String password, byte[] salt, int memory, int passes, int lanes) {
        // At most one hash per core at a time: a burst of logins queues instead of holding a 19 MiB buffer each.
        HASHING.acquireUninterruptibly();
        try {
            return argon2Now(password, salt, memory, passes, lanes);
        } finally {
            HASHING.release();
        }
    }

    private static byte[] argon2Now(String password, byte[] salt, int memory, int passes, int lanes) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memory)
                .withIterations(passes)
                .withParallelism(lanes)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[32];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
