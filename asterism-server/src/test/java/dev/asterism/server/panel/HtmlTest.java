package dev.asterism.server.panel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlTest {

    @Test
    void every_argument_is_escaped_for_text_and_attributes_unless_it_is_html() {
        Html html = Html.of("<a title=\"{}\">{}</a>{}", "\"'<>&", "<script>x</script>", Html.of("<b>{}</b>", "&"));
        assertThat(html.toString()).isEqualTo(
                "<a title=\"&quot;&#39;&lt;&gt;&amp;\">&lt;script&gt;x&lt;/script&gt;</a><b>&amp;</b>");
        assertThat(Html.of("{}", (Object) null).toString()).isEmpty();
        assertThat(Html.each(List.of("<", ">"), item -> Html.of("<i>{}</i>", item)).toString())
                .isEqualTo("<i>&lt;</i><i>&gt;</i>");
        assertThat(Html.when(false, Html.of("<p>"))).hasToString("");
    }

    @Test
    void placeholders_and_arguments_must_pair_up() {
        assertThatThrownBy(() -> Html.of("{}", "a", "b")).hasMessageContaining("more arguments");
        assertThatThrownBy(() -> Html.of("{}{}", "a")).hasMessageContaining("fewer arguments");
    }
}
