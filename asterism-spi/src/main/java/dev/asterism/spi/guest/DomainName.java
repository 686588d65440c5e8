package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An Active Directory domain in its Kerberos realm form, such as {@code C7.ASTERISM.TEST}: two or more DNS labels,
 * kept in upper case. The first label is the NetBIOS (short) domain name and has at most 15 characters.
 */
public record DomainName(String value) {

    private static final Pattern LABEL = Pattern.compile("[A-Z0-9]([A-Z0-9-]{0,61}[A-Z0-9])?");

    public DomainName {
        requireNonNull(value, "value is null");
        value = value.toUpperCase(Locale.ROOT);
        String[] labels = value.split("\\.", -1);
        if (labels.length < 2) {
            throw new IllegalArgumentException("a domain needs at least two labels, like C7.ASTERISM.TEST: '" + value + "'");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + label + "' is not a DNS label in domain '" + value + "'");
            }
        }
        if (labels[0].length() > 15) {
            throw new IllegalArgumentException("the first label of '" + value + "' is longer than 15 characters");
        }
    }

    public static DomainName of(String value) {
        return new DomainName(value);
    }

    /** The NetBIOS domain name: the first label ({@code C7}). */
    public String netbiosName() {
        return value.substring(0, value.indexOf('.'));
    }

    /** The DNS domain in lower case ({@code c7.asterism.test}). */
    public String dnsName() {
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }
}
