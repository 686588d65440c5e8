package dev.asterism.realm.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.realm.libvirt.LibvirtRealm.HostLoad;
import dev.asterism.spi.realm.RealmException;
import java.net.URI;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which host a VM goes to when the realm holds several. */
class LibvirtPlacementTest {
    private static final long GIB = 1L << 30;
    private static final LibvirtRealmOptions.Host A = host("a");
    private static final LibvirtRealmOptions.Host B = host("b");
    private static final LibvirtRealmOptions.Host C = host("c");

    @Test
    void a_new_network_goes_to_the_host_with_the_most_free_memory() {
        List<HostLoad> loads = List.of(new HostLoad(A, 1, 4 * GIB, Set.of("n1")), new HostLoad(B, 0, 9 * GIB, Set.of()),
                new HostLoad(C, 3, 6 * GIB, Set.of("n2")));

        assertThat(LibvirtRealm.place("n3", 1024, 8, loads)).isEqualTo(B);
    }

    @Test
    void a_vm_of_an_existing_network_joins_its_host_even_when_another_has_more_room() {
        List<HostLoad> loads = List.of(new HostLoad(A, 1, 2 * GIB, Set.of("n1")),
                new HostLoad(B, 0, 9 * GIB, Set.of()));

        assertThat(LibvirtRealm.place("n1", 1024, 8, loads)).isEqualTo(A);
    }

    @Test
    void full_hosts_are_passed_over_by_count_and_by_memory() {
        List<HostLoad> loads = List.of(new HostLoad(A, 8, 20 * GIB, Set.of()),
                new HostLoad(B, 0, GIB, Set.of()), new HostLoad(C, 2, 3 * GIB, Set.of()));

        assertThat(LibvirtRealm.place("n1", 2048, 8, loads)).isEqualTo(C);
    }

    @Test
    void no_room_anywhere_is_no_capacity_with_each_hosts_reason() {
        List<HostLoad> loads = List.of(new HostLoad(A, 8, 20 * GIB, Set.of()), new HostLoad(B, 0, GIB, Set.of()));

        RealmException refused = catchThrowableOfType(RealmException.class,
                () -> LibvirtRealm.place("n1", 2048, 8, loads));

        assertThat(refused.code()).isEqualTo(RealmException.Code.NO_CAPACITY);
        assertThat(refused.getMessage()).contains("a runs 8 of at most 8 VMs").contains("b has 1024 MiB free, 2304");
    }

    @Test
    void a_full_home_host_is_no_capacity_naming_the_network() {
        List<HostLoad> loads = List.of(new HostLoad(A, 8, 20 * GIB, Set.of("n1")),
                new HostLoad(B, 0, 20 * GIB, Set.of()));

        RealmException refused = catchThrowableOfType(RealmException.class,
                () -> LibvirtRealm.place("n1", 512, 8, loads));

        assertThat(refused.getMessage()).startsWith("network n1 lives on libvirt host a, which is full");
    }

    @Test
    void hosts_are_given_as_name_equals_uri() {
        assertThat(LibvirtRealmOptions.Host.parse("rack2=qemu+ssh://root@10.0.0.2/system"))
                .isEqualTo(new LibvirtRealmOptions.Host("rack2", URI.create("qemu+ssh://root@10.0.0.2/system")));
        assertThat(catchThrowableOfType(IllegalArgumentException.class,
                () -> LibvirtRealmOptions.Host.parse("qemu:///system"))).hasMessageContaining("NAME=URI");
        assertThat(catchThrowableOfType(IllegalArgumentException.class,
                () -> LibvirtRealmOptions.Host.parse("x=xen:///system"))).hasMessageContaining("must be a qemu one");
    }

    private static LibvirtRealmOptions.Host host(String name) {
        return new LibvirtRealmOptions.Host(name, URI.create("qemu+ssh://root@" + name + "/system"));
    }
}
