package dev.asterism.protocol.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TunnelStreamTest {

    @Test
    void every_frame_kind_survives_the_wire() {
        List<TunnelFrame> frames = List.of(TunnelFrame.open(7, 3389, 1 << 20), TunnelFrame.opened(7, 4096),
                TunnelFrame.data(7, new byte[] {1, 2, 3}, 0, 3), TunnelFrame.credit(7, 3), TunnelFrame.eof(7),
                TunnelFrame.close(-1, "nothing listens on port 3389 in the member"));
        for (TunnelFrame frame : frames) {
            TunnelFrame back = TunnelFrame.decode(frame.encode());
            assertThat(back.kind()).isEqualTo(frame.kind());
            assertThat(back.tunnel()).isEqualTo(frame.tunnel());
            assertThat(back.payload()).isEqualTo(frame.payload());
        }
        assertThat(TunnelFrame.decode(frames.get(0).encode()).port()).isEqualTo(3389);
        assertThat(TunnelFrame.decode(frames.get(0).encode()).amount()).isEqualTo(1 << 20);
        assertThat(TunnelFrame.decode(frames.get(5).encode()).reason()).contains("port 3389");
    }

    @Test
    void frames_this_release_cannot_read_are_refused_with_a_reason() {
        assertThatThrownBy(() -> TunnelFrame.decode(ByteBuffer.wrap(new byte[] {3, 0})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("at least 5 bytes");
        assertThatThrownBy(() -> TunnelFrame.decode(ByteBuffer.wrap(new byte[] {9, 0, 0, 0, 1})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("upgrade");
        assertThatThrownBy(() -> TunnelFrame.decode(ByteBuffer.wrap(new byte[] {3, 0, 0, 0, 1})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("1 to");
        assertThatThrownBy(() -> TunnelFrame.decode(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("port 1 to 65535");
        assertThatThrownBy(() -> TunnelFrame.decode(ByteBuffer.wrap(new byte[] {4, 0, 0, 0, 1, 0, 0, 0, 0})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("positive");
        assertThat(TunnelFrame.close(1, "x".repeat(500)).payload()).hasSize(TunnelFrame.MAX_REASON_BYTES);
        assertThat(TunnelFrame.data(1, new byte[] {42}, 0, 1).toString()).doesNotContain("42");
    }

    @Test
    void megabytes_cross_both_ways_byte_for_byte_through_a_small_window() throws Exception {
        Pair pair = new Pair(4096, true);
        byte[] one = random(3_000_000, 1);
        byte[] other = random(2_500_000, 2);
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> send(pair.a, one));
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> send(pair.b, other));
        a.get(30, TimeUnit.SECONDS);
        b.get(30, TimeUnit.SECONDS);
        assertThat(pair.aClosed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(pair.bClosed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(pair.bLocal.received.toByteArray()).isEqualTo(one);
        assertThat(pair.aLocal.received.toByteArray()).isEqualTo(other);
        assertThat(pair.a.closeReason()).isEqualTo("both ends finished");
        assertThat(pair.a.bytesFromLocal()).isEqualTo(one.length);
        assertThat(pair.a.bytesToLocal()).isEqualTo(other.length);
    }

    @Test
    void a_close_on_one_end_closes_the_other_with_its_reason_and_wakes_a_waiting_sender() throws Exception {
        Pair pair = new Pair(1, false);
        CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                pair.a.fromLocal(new byte[10], 0, 10);
                return null;
            } catch (IOException expected) {
                return expected;
            }
        });
        pair.b.close("the member's port 3389 refused the connection");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).hasMessageContaining("refused the connection");
        assertThat(pair.a.closeReason()).isEqualTo("the member's port 3389 refused the connection");
        assertThat(pair.aLocal.closedWith).isEqualTo("the member's port 3389 refused the connection");
    }

    @Test
    void a_peer_that_ignores_its_window_breaks_the_tunnel() {
        Pair pair = new Pair(10, true);
        pair.b.onFrame(TunnelFrame.data(1, new byte[11], 0, 11));
        assertThat(pair.b.closeReason()).contains("more than its window");
    }

    private static void send(TunnelStream stream, byte[] bytes) {
        try {
            Random sizes = new Random(bytes.length);
            int offset = 0;
            while (offset < bytes.length) {
                int length = Math.min(bytes.length - offset, 1 + sizes.nextInt(100_000));
                stream.fromLocal(bytes, offset, length);
                offset += length;
            }
            stream.localEnded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Two ends joined by frames that pass through the wire encoding, each with a local stream kept in memory. */
    private static final class Pair {
        final Recording aLocal = new Recording();
        final Recording bLocal = new Recording();
        final CountDownLatch aClosed = new CountDownLatch(1);
        final CountDownLatch bClosed = new CountDownLatch(1);
        final List<TunnelStream> ends = new CopyOnWriteArrayList<>();
        final TunnelStream a;
        final TunnelStream b;

        Pair(int window, boolean granted) {
            a = new TunnelStream(1, aLocal, frame -> deliver(1, frame), window, reason -> aClosed.countDown());
            b = new TunnelStream(1, bLocal, frame -> deliver(0, frame), window, reason -> bClosed.countDown());
            ends.add(a);
            ends.add(b);
            if (granted) {
                a.grant(window);
                b.grant(window);
            }
        }

        boolean deliver(int to, TunnelFrame frame) {
            TunnelFrame wire = TunnelFrame.decode(frame.encode());
            ends.get(to).onFrame(wire);
            return true;
        }
    }

    private static final class Recording implements TunnelStream.Local {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        volatile String closedWith;

        @Override
        public synchronized void write(byte[] bytes) {
            received.writeBytes(bytes);
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void close(String reason) {
            closedWith = reason;
        }
    }
}
