package dev.asterism.spi.guest;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Which way the clipboard of a remote desktop session may carry data between a member and the computer the person
 * sits at. Data leaving the enclave through the clipboard is what a secure constellation must control, so the rule
 * is {@link #OFF} unless its owner chose otherwise. The guest enforces it in its own remote desktop service, so no
 * client can get around it.
 */
public enum ClipboardRule {
    /** Nothing is copied either way. */
    OFF(false, false),
    /** Copied from the person's computer into the desktop only. */
    TO_DESKTOP(true, false),
    /** Copied from the desktop to the person's computer only. */
    FROM_DESKTOP(false, true),
    /** Copied both ways. */
    BOTH(true, true);

    private final boolean toDesktop;
    private final boolean fromDesktop;

    ClipboardRule(boolean toDesktop, boolean fromDesktop) {
        this.toDesktop = toDesktop;
        this.fromDesktop = fromDesktop;
    }

    /** Whether data may be pasted into the desktop from the person's computer. */
    public boolean toDesktop() {
        return toDesktop;
    }

    /** Whether data copied in the desktop may be pasted on the person's computer. */
    public boolean fromDesktop() {
        return fromDesktop;
    }

    /** The rule that lets through what the two flags say. */
    public static ClipboardRule of(boolean toDesktop, boolean fromDesktop) {
        return toDesktop ? (fromDesktop ? BOTH : TO_DESKTOP) : (fromDesktop ? FROM_DESKTOP : OFF);
    }

    /** The rule's name on the wire and in the API: {@code off}, {@code to-desktop}, {@code from-desktop}, {@code both}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The rule of a wire name, or empty for anything else. */
    public static Optional<ClipboardRule> ofWireName(String name) {
        return Arrays.stream(values()).filter(rule -> rule.wireName().equals(name)).findFirst();
    }

    /** The wire names, for error messages and help: {@code off, to-desktop, from-desktop, both}. */
    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(ClipboardRule::wireName).toList());
    }
}
