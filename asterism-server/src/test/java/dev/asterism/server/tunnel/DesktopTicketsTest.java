package dev.asterism.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.error.AsterismException;
import dev.asterism.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DesktopTicketsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final DesktopTickets tickets = new DesktopTickets(clock);

    @Test
    void a_ticket_admits_its_person_to_its_member_once() {
        String ticket = tickets.mint("dave", "dk", "w1");
        assertThat(ticket).startsWith("adt_").hasSizeGreaterThan(40);
        tickets.redeem(ticket, "dave", "dk", "w1");
        assertThatThrownBy(() -> tickets.redeem(ticket, "dave", "dk", "w1")).isInstanceOf(AsterismException.class)
                .hasMessageContaining("unknown or was used already");
    }

    @Test
    void an_expired_ticket_is_refused() {
        String ticket = tickets.mint("dave", "dk", "w1");
        clock.advance(DesktopTickets.LIFETIME.plus(Duration.ofSeconds(1)));
        assertThatThrownBy(() -> tickets.redeem(ticket, "dave", "dk", "w1")).hasMessageContaining("expired");
    }

    @Test
    void a_ticket_for_another_person_or_member_is_refused_and_used_up() {
        String ticket = tickets.mint("dave", "dk", "w1");
        assertThatThrownBy(() -> tickets.redeem(ticket, "bob", "dk", "w1")).hasMessageContaining("another person");
        assertThatThrownBy(() -> tickets.redeem(ticket, "dave", "dk", "w1")).hasMessageContaining("used already");
        String other = tickets.mint("dave", "dk", "w1");
        assertThatThrownBy(() -> tickets.redeem(other, "dave", "dk", "w2")).hasMessageContaining("another person");
        assertThatThrownBy(() -> tickets.redeem(null, "dave", "dk", "w1")).hasMessageContaining("unknown");
    }
}
