package dev.asterism.server.panel;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.function.Function;

/**
 * A piece of HTML that is safe to send: made only by {@link #of}, which escapes every argument that is not itself
 * {@code Html}. Whatever a user typed (a name, a reason, an audit detail) therefore reaches the page as text, never
 * as markup; there is no way to add raw text except through a template written in this code.
 */
public final class Html {
    private static final Html EMPTY = new Html("");

    private final String text;

    private Html(String text) {
        this.text = text;
    }

    /**
     * A template with {@code {}} placeholders, filled in order: {@code Html} arguments as they are, anything else
     * (null as empty) escaped for text and attribute values alike.
     *
     * @throws IllegalArgumentException when the placeholders and the arguments do not pair up
     */
    public static Html of(String template, Object... arguments) {
        requireNonNull(template, "template is null");
        StringBuilder out = new StringBuilder(template.length() + 64);
        int from = 0;
        for (Object argument : arguments) {
            int at = template.indexOf("{}", from);
            if (at < 0) {
                throw new IllegalArgumentException("more arguments than {} in: " + template);
            }
            out.append(template, from, at);
            out.append(argument instanceof Html html ? html.text : escape(argument == null ? "" : argument.toString()));
            from = at + 2;
        }
        if (template.indexOf("{}", from) >= 0) {
            throw new IllegalArgumentException("fewer arguments than {} in: " + template);
        }
        out.append(template, from, template.length());
        return new Html(out.toString());
    }

    public static Html empty() {
        return EMPTY;
    }

    /** Each item rendered, one after another. */
    public static <T> Html each(Collection<T> items, Function<T, Html> render) {
        StringBuilder out = new StringBuilder();
        for (T item : items) {
            out.append(render.apply(item).text);
        }
        return new Html(out.toString());
    }

    /** {@code html} when the condition holds, else nothing. */
    public static Html when(boolean condition, Html html) {
        return condition ? html : EMPTY;
    }

    /** The text with {@code & < > " '} as character references. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
