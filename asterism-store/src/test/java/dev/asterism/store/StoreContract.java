package dev.asterism.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditVerification;
import dev.asterism.core.auth.Secrets;
import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.Capability;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.ConstellationState;
import dev.asterism.core.constellation.JoinMode;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.constellation.PersonState;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.permission.GrantLevel;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectMember;
import dev.asterism.core.project.ProjectRole;
import dev.asterism.core.project.ProjectTeam;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.SecurityLevel;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.core.store.CredentialRepository.ApiToken;
import dev.asterism.core.store.CredentialRepository.SessionOwner;
import dev.asterism.core.store.CredentialRepository.TokenOwner;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import dev.asterism.core.team.Team;
import dev.asterism.core.team.TeamGrant;
import dev.asterism.core.user.Role;
import dev.asterism.core.user.User;
import dev.asterism.core.vm.DesiredState;
import dev.asterism.core.reconciliation.Claim;
import dev.asterism.core.vm.Vm;
import dev.asterism.core.vm.VmState;
import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.realm.OsFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} must do, run against each database the store supports. Each test gets a
 * fresh, empty, migrated database from {@link #newStore()} and closes it afterwards.
 */
abstract class StoreContract {
    /** Millisecond precision: what every supported database keeps of a timestamp. */
    protected static final Instant T0 = Instant.parse("2030-01-02T03:04:05.678Z");

    private Store store;

    /** A store on a fresh, empty database. */
    protected abstract Store newStore();

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected Store store() {
        return store;
    }

    // ---- users ----

    @Test
    void an_inserted_user_is_found_by_name_and_by_id_with_every_field() {
        User inserted = store.call(transaction -> transaction.users().insert("alice", Role.ADMIN, "hash-a", T0));

        assertThat(inserted.username()).isEqualTo("alice");
        assertThat(inserted.role()).isEqualTo(Role.ADMIN);
        assertThat(inserted.createdAt()).isEqualTo(T0);
        assertThat(store.call((Transaction transaction) -> transaction.users().find("alice"))).contains(inserted);
        assertThat(store.call((Transaction transaction) -> transaction.users().findById(inserted.id()))).contains(inserted);
        assertThat(store.call((Transaction transaction) -> transaction.users().passwordHash("alice"))).contains("hash-a");
    }

    @Test
    void unknown_users_are_not_found() {
        store.run(transaction -> transaction.users().insert("alice", Role.USER, "hash", T0));

        store.run(transaction -> {
            assertThat(transaction.users().find("bob")).isEmpty();
            assertThat(transaction.users().findById(-1)).isEmpty();
            assertThat(transaction.users().passwordHash("bob")).isEmpty();
            assertThat(transaction.users().delete("bob")).isFalse();
        });
    }

    @Test
    void users_are_listed_by_name_with_distinct_ids() {
        store.run(transaction -> {
            transaction.users().insert("carol", Role.USER, "h", T0);
            transaction.users().insert("alice", Role.SUPER_ADMIN, "h", T0.plusMillis(1));
            transaction.users().insert("bob", Role.ADMIN, "h", T0.plusMillis(2));
        });

        List<User> users = store.call(transaction -> transaction.users().list());

        assertThat(users).extracting(User::username).containsExactly("alice", "bob", "carol");
        assertThat(users).extracting(User::role).containsExactly(Role.SUPER_ADMIN, Role.ADMIN, Role.USER);
        assertThat(users).extracting(User::id).doesNotHaveDuplicates();
    }

    @Test
    void inserting_a_taken_user_name_fails_with_already_exists() {
        store.run(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));

        assertThatThrownBy(() -> store.run(transaction -> transaction.users().insert("alice", Role.ADMIN, "h2", T0)))
                .isInstanceOfSatisfying(AsterismException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        assertThat(store.call((Transaction transaction) -> transaction.users().passwordHash("alice"))).contains("h");
    }

    @Test
    void deleting_a_user_deletes_their_tokens_sessions_and_grants_but_not_those_of_others() {
        seedCatalog();
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        User bob = store.call(transaction -> transaction.users().insert("bob", Role.USER, "h", T0));
        store.run(transaction -> {
            transaction.credentials().insertToken("tok-alice", alice.id(), "ci", hash("alice token"), T0);
            transaction.credentials().insertToken("tok-bob", bob.id(), "ci", hash("bob token"), T0);
            transaction.credentials().insertSession(hash("alice session"), alice.id(), "csrf", T0, T0.plusSeconds(3600));
            transaction.credentials().insertSession(hash("bob session"), bob.id(), "csrf", T0, T0.plusSeconds(3600));
            transaction.catalog().putGrant(new BrickGrant("worker", "alice", GrantLevel.USE));
            transaction.catalog().putGrant(new BrickGrant("worker", "bob", GrantLevel.USE));
        });

        assertThat(store.call((Transaction transaction) -> transaction.users().delete("alice"))).isTrue();

        store.run(transaction -> {
            assertThat(transaction.users().find("alice")).isEmpty();
            assertThat(transaction.credentials().findToken(hash("alice token"))).isEmpty();
            assertThat(transaction.credentials().tokens(alice.id())).isEmpty();
            assertThat(transaction.credentials().findSession(hash("alice session"), T0)).isEmpty();
            assertThat(transaction.catalog().grant("worker", "alice")).isEmpty();
            assertThat(transaction.catalog().grantsOnBrick("worker")).extracting(BrickGrant::username)
                    .containsExactly("bob");
            assertThat(transaction.credentials().findToken(hash("bob token"))).isPresent();
            assertThat(transaction.credentials().findSession(hash("bob session"), T0)).isPresent();
        });
    }

    // ---- credentials ----

    @Test
    void a_token_is_found_by_the_hash_of_its_secret_with_its_owner() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        store.run(transaction -> transaction.credentials().insertToken("tok-1", alice.id(), "laptop", hash("s1"), T0));

        TokenOwner owner = store.call(transaction -> transaction.credentials().findToken(hash("s1"))).orElseThrow();

        assertThat(owner.token()).isEqualTo(new ApiToken("tok-1", "laptop", T0, null));
        assertThat(owner.user()).isEqualTo(alice);
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findToken(hash("s2")))).isEmpty();
    }

    @Test
    void touching_a_token_records_when_it_was_last_used() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        store.run(transaction -> transaction.credentials().insertToken("tok-1", alice.id(), "laptop", hash("s1"), T0));

        store.run(transaction -> transaction.credentials().touchToken("tok-1", T0.plusSeconds(90)));

        assertThat(store.call((Transaction transaction) -> transaction.credentials().tokens(alice.id())))
                .containsExactly(new ApiToken("tok-1", "laptop", T0, T0.plusSeconds(90)));
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findToken(hash("s1"))))
                .hasValueSatisfying(owner -> assertThat(owner.token().lastUsedAt()).isEqualTo(T0.plusSeconds(90)));
    }

    @Test
    void tokens_are_listed_per_user_oldest_first() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        User bob = store.call(transaction -> transaction.users().insert("bob", Role.USER, "h", T0));
        store.run(transaction -> {
            transaction.credentials().insertToken("tok-b", alice.id(), "second", hash("b"), T0.plusSeconds(1));
            transaction.credentials().insertToken("tok-c", alice.id(), "third", hash("c"), T0.plusSeconds(2));
            transaction.credentials().insertToken("tok-a", alice.id(), "first", hash("a"), T0);
            transaction.credentials().insertToken("tok-x", bob.id(), "bobs", hash("x"), T0);
        });

        assertThat(store.call((Transaction transaction) -> transaction.credentials().tokens(alice.id())))
                .extracting(ApiToken::name).containsExactly("first", "second", "third");
        assertThat(store.call((Transaction transaction) -> transaction.credentials().tokens(bob.id())))
                .extracting(ApiToken::id).containsExactly("tok-x");
    }

    @Test
    void a_token_is_deleted_only_by_its_owner() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        User bob = store.call(transaction -> transaction.users().insert("bob", Role.USER, "h", T0));
        store.run(transaction -> transaction.credentials().insertToken("tok-1", alice.id(), "laptop", hash("s1"), T0));

        assertThat(store.call((Transaction transaction) -> transaction.credentials().deleteToken("tok-1", bob.id()))).isFalse();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findToken(hash("s1")))).isPresent();

        assertThat(store.call((Transaction transaction) -> transaction.credentials().deleteToken("tok-1", alice.id()))).isTrue();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findToken(hash("s1")))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().deleteToken("tok-1", alice.id()))).isFalse();
    }

    @Test
    void a_session_is_found_only_before_it_expires() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        Instant expiresAt = T0.plus(Duration.ofHours(1));
        store.run(transaction -> transaction.credentials().insertSession(hash("sess"), alice.id(), "csrf-1", T0,
                expiresAt));

        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("sess"), T0)))
                .contains(new SessionOwner(alice, "csrf-1", expiresAt));
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("sess"),
                expiresAt.minusMillis(1)))).isPresent();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("sess"), expiresAt))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("other"), T0))).isEmpty();
    }

    @Test
    void a_deleted_session_is_not_found() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        store.run(transaction -> transaction.credentials().insertSession(hash("sess"), alice.id(), "csrf", T0,
                T0.plusSeconds(3600)));

        store.run(transaction -> transaction.credentials().deleteSession(hash("sess")));
        store.run(transaction -> transaction.credentials().deleteSession(hash("never existed")));

        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("sess"), T0))).isEmpty();
    }

    @Test
    void deleting_expired_sessions_removes_those_expired_by_now_and_keeps_the_rest() {
        User alice = store.call(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        store.run(transaction -> {
            transaction.credentials().insertSession(hash("old"), alice.id(), "c", T0, T0.plusSeconds(60));
            transaction.credentials().insertSession(hash("exact"), alice.id(), "c", T0, T0.plusSeconds(120));
            transaction.credentials().insertSession(hash("young"), alice.id(), "c", T0, T0.plusSeconds(180));
        });

        assertThat(store.call((Transaction transaction) -> transaction.credentials().deleteExpiredSessions(T0.plusSeconds(120))))
                .isEqualTo(2);
        assertThat(store.call((Transaction transaction) -> transaction.credentials().deleteExpiredSessions(T0.plusSeconds(120))))
                .isZero();
        assertThat(store.call((Transaction transaction) -> transaction.credentials().findSession(hash("young"), T0))).isPresent();
    }

    // ---- catalog ----

    @Test
    void realms_round_trip_and_are_listed_by_name() {
        RealmDefinition sim = new RealmDefinition("sim", "sim", "in memory");
        RealmDefinition lab = new RealmDefinition("lab", "qemu", "the lab's hosts");
        store.run(transaction -> {
            transaction.catalog().insertRealm(sim);
            transaction.catalog().insertRealm(lab);
        });

        assertThat(store.call((Transaction transaction) -> transaction.catalog().realm("sim"))).contains(sim);
        assertThat(store.call((Transaction transaction) -> transaction.catalog().realm("nowhere"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().realms())).containsExactly(lab, sim);
    }

    @Test
    void profiles_round_trip_are_listed_by_name_and_deleted() {
        HardwareProfile small = new HardwareProfile("small", 1, 1024, 10);
        HardwareProfile large = new HardwareProfile("large", 16, 65536, 500);
        store.run(transaction -> {
            transaction.catalog().insertProfile(small);
            transaction.catalog().insertProfile(large);
        });

        assertThat(store.call((Transaction transaction) -> transaction.catalog().profile("small"))).contains(small);
        assertThat(store.call((Transaction transaction) -> transaction.catalog().profiles())).containsExactly(large, small);

        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteProfile("small"))).isTrue();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteProfile("small"))).isFalse();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().profile("small"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().profiles())).containsExactly(large);
    }

    @Test
    void images_round_trip_are_listed_by_name_and_deleted() {
        Image ubuntu = new Image("ubuntu", OsFamily.LINUX, "/var/lib/asterism/ubuntu.qcow2", "Ubuntu 24.04");
        Image windows = new Image("win2022", OsFamily.WINDOWS, "template:win2022", "");
        store.run(transaction -> {
            transaction.catalog().insertImage(windows);
            transaction.catalog().insertImage(ubuntu);
        });

        assertThat(store.call((Transaction transaction) -> transaction.catalog().image("win2022"))).contains(windows);
        assertThat(store.call((Transaction transaction) -> transaction.catalog().images())).containsExactly(ubuntu, windows);

        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteImage("ubuntu"))).isTrue();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteImage("ubuntu"))).isFalse();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().images())).containsExactly(windows);
    }

    @Test
    void bricks_round_trip_with_every_combination_of_capabilities() {
        seedImagesAndProfiles();
        Brick none = new Brick("plain", "ubuntu", "small", OsFamily.LINUX, Set.of());
        Brick controller = new Brick("controller", "ubuntu", "small", OsFamily.LINUX, Set.of(Capability.CONTROLLER));
        Brick worker = new Brick("worker", "win2022", "large", OsFamily.WINDOWS, Set.of(Capability.WORKER));
        Brick both = new Brick("both", "ubuntu", "large", OsFamily.LINUX, EnumSet.allOf(Capability.class));
        store.run(transaction -> List.of(none, controller, worker, both).forEach(transaction.catalog()::insertBrick));

        for (Brick brick : List.of(none, controller, worker, both)) {
            assertThat(store.call((Transaction transaction) -> transaction.catalog().brick(brick.name()))).contains(brick);
        }
        assertThat(store.call((Transaction transaction) -> transaction.catalog().brick("missing"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().bricks()))
                .containsExactly(both, controller, none, worker);
    }

    @Test
    void a_deleted_brick_is_gone_with_its_grants() {
        seedCatalog();
        store.run(transaction -> {
            transaction.users().insert("alice", Role.USER, "h", T0);
            transaction.catalog().putGrant(new BrickGrant("worker", "alice", GrantLevel.MANAGE));
        });

        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteBrick("worker"))).isTrue();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteBrick("worker"))).isFalse();

        assertThat(store.call((Transaction transaction) -> transaction.catalog().brick("worker"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOfUser("alice"))).isEmpty();
    }

    @Test
    void bricks_using_a_profile_or_an_image_are_named_in_order() {
        seedImagesAndProfiles();
        store.run(transaction -> {
            transaction.catalog().insertBrick(new Brick("zeta", "ubuntu", "large", OsFamily.LINUX, Set.of()));
            transaction.catalog().insertBrick(new Brick("alpha", "win2022", "small", OsFamily.WINDOWS, Set.of()));
            transaction.catalog().insertBrick(new Brick("mid", "win2022", "large", OsFamily.WINDOWS, Set.of()));
        });

        store.run(transaction -> {
            assertThat(transaction.catalog().bricksUsing("small", null)).containsExactly("alpha");
            assertThat(transaction.catalog().bricksUsing(null, "ubuntu")).containsExactly("zeta");
            assertThat(transaction.catalog().bricksUsing("large", null)).containsExactly("mid", "zeta");
            assertThat(transaction.catalog().bricksUsing(null, "win2022")).containsExactly("alpha", "mid");
            assertThat(transaction.catalog().bricksUsing("tiny", "none")).isEmpty();
        });
    }

    @Test
    void taken_catalog_names_fail_with_already_exists() {
        seedCatalog();

        assertAlreadyExists(() -> store.run(transaction -> transaction.catalog()
                .insertRealm(new RealmDefinition("sim", "qemu", "again"))));
        assertAlreadyExists(() -> store.run(transaction -> transaction.catalog()
                .insertProfile(new HardwareProfile("small", 2, 2048, 20))));
        assertAlreadyExists(() -> store.run(transaction -> transaction.catalog()
                .insertImage(new Image("ubuntu", OsFamily.LINUX, "elsewhere", ""))));
        assertAlreadyExists(() -> store.run(transaction -> transaction.catalog()
                .insertBrick(new Brick("worker", "ubuntu", "small", OsFamily.LINUX, Set.of()))));

        assertThat(store.call((Transaction transaction) -> transaction.catalog().realm("sim")))
                .hasValueSatisfying(realm -> assertThat(realm.driver()).isEqualTo("sim"));
    }

    @Test
    void a_grant_is_put_replaced_and_deleted() {
        seedCatalog();
        store.run(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));

        store.run(transaction -> transaction.catalog().putGrant(new BrickGrant("worker", "alice", GrantLevel.USE)));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grant("worker", "alice")))
                .contains(new BrickGrant("worker", "alice", GrantLevel.USE));

        store.run(transaction -> transaction.catalog().putGrant(new BrickGrant("worker", "alice", GrantLevel.MANAGE)));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grant("worker", "alice")))
                .contains(new BrickGrant("worker", "alice", GrantLevel.MANAGE));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOnBrick("worker"))).hasSize(1);

        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteGrant("worker", "alice"))).isTrue();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteGrant("worker", "alice"))).isFalse();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grant("worker", "alice"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.catalog().deleteGrant("worker", "nobody"))).isFalse();
    }

    @Test
    void grants_are_listed_by_brick_and_by_user() {
        seedCatalog();
        store.run(transaction -> {
            transaction.users().insert("carol", Role.USER, "h", T0);
            transaction.users().insert("alice", Role.USER, "h", T0);
            transaction.catalog().putGrant(new BrickGrant("worker", "carol", GrantLevel.USE));
            transaction.catalog().putGrant(new BrickGrant("worker", "alice", GrantLevel.MANAGE));
            transaction.catalog().putGrant(new BrickGrant("controller", "alice", GrantLevel.USE));
        });

        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOnBrick("worker"))).containsExactly(
                new BrickGrant("worker", "alice", GrantLevel.MANAGE), new BrickGrant("worker", "carol", GrantLevel.USE));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOfUser("alice"))).containsExactly(
                new BrickGrant("controller", "alice", GrantLevel.USE),
                new BrickGrant("worker", "alice", GrantLevel.MANAGE));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOnBrick("controller"))).containsExactly(
                new BrickGrant("controller", "alice", GrantLevel.USE));
        assertThat(store.call((Transaction transaction) -> transaction.catalog().grantsOfUser("nobody"))).isEmpty();
    }

    @Test
    void a_grant_to_an_unknown_user_fails_with_not_found() {
        seedCatalog();

        assertThatThrownBy(() -> store.run(transaction -> transaction.catalog()
                .putGrant(new BrickGrant("worker", "ghost", GrantLevel.USE))))
                .isInstanceOfSatisfying(AsterismException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    // ---- VMs ----

    @Test
    void a_vm_round_trips_with_every_field() {
        Vm vm = new Vm("vm-full", "w1", "alice", "default", "worker", "sim", "large", OsFamily.WINDOWS, "template:win2022", 8,
                16384, 120, "net-full", VmState.AWAITING_REGISTRATION, DesiredState.STOPPED, "waiting for the agent",
                List.of("10.0.0.5", "fd00::5"), T0, T0.plusSeconds(1), T0.plusSeconds(300), T0.plusSeconds(2),
                T0.plusSeconds(30), 3, 7);

        store.run(transaction -> transaction.vms().insert(vm));

        assertThat(store.call((Transaction transaction) -> transaction.vms().find("w1"))).contains(vm);
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-full"))).contains(vm);
    }

    @Test
    void a_vm_without_optional_fields_round_trips() {
        Vm vm = vm("vm-1", "w1", "alice", "sim", VmState.REQUESTED, T0, null);

        store.run(transaction -> transaction.vms().insert(vm));

        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-1"))).contains(vm);
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-2"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.vms().find("w2"))).isEmpty();
    }

    @Test
    void find_prefers_the_live_vm_and_else_returns_the_newest_destroyed_one() {
        Vm older = vm("vm-old", "w1", "alice", "sim", VmState.DESTROYED, T0, null);
        Vm newer = vm("vm-new", "w1", "alice", "sim", VmState.DESTROYED, T0.plusSeconds(60), null);
        Vm live = vm("vm-live", "w1", "alice", "sim", VmState.RUNNING, T0.plusSeconds(30), null);

        store.run(transaction -> {
            transaction.vms().insert(newer);
            transaction.vms().insert(older);
        });
        assertThat(store.call((Transaction transaction) -> transaction.vms().find("w1"))).contains(newer);

        store.run(transaction -> transaction.vms().insert(live));
        assertThat(store.call((Transaction transaction) -> transaction.vms().find("w1"))).contains(live);
    }

    @Test
    void a_live_vm_name_is_taken_until_the_vm_is_destroyed() {
        Vm first = vm("vm-1", "w1", "alice", "sim", VmState.RUNNING, T0, null);
        store.run(transaction -> transaction.vms().insert(first));

        assertAlreadyExists(() -> store.run(transaction -> transaction.vms()
                .insert(vm("vm-2", "w1", "bob", "sim", VmState.REQUESTED, T0, null))));
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-2"))).isEmpty();

        Vm destroyed = store.call(transaction -> transaction.vms()
                .update(first.moveTo(VmState.DESTROYED, null, T0.plusSeconds(5), null))).orElseThrow();
        Vm second = vm("vm-2", "w1", "bob", "sim", VmState.REQUESTED, T0.plusSeconds(10), null);
        store.run(transaction -> transaction.vms().insert(second));

        assertThat(store.call((Transaction transaction) -> transaction.vms().find("w1"))).contains(second);
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-1"))).contains(destroyed);
    }

    @Test
    void live_vms_are_listed_by_name_per_owner_or_for_everyone() {
        store.run(transaction -> {
            transaction.vms().insert(vm("vm-1", "zulu", "alice", "sim", VmState.RUNNING, T0, null));
            transaction.vms().insert(vm("vm-2", "alpha", "alice", "sim", VmState.FAILED, T0, null));
            transaction.vms().insert(vm("vm-3", "gone", "alice", "sim", VmState.DESTROYED, T0, null));
            transaction.vms().insert(vm("vm-4", "mike", "bob", "sim", VmState.STOPPED, T0, null));
        });

        assertThat(store.call((Transaction transaction) -> transaction.vms().list("alice"))).extracting(Vm::name)
                .containsExactly("alpha", "zulu");
        assertThat(store.call((Transaction transaction) -> transaction.vms().list("bob"))).extracting(Vm::name)
                .containsExactly("mike");
        assertThat(store.call((Transaction transaction) -> transaction.vms().list(null))).extracting(Vm::name)
                .containsExactly("alpha", "mike", "zulu");
        assertThat(store.call((Transaction transaction) -> transaction.vms().list("carol"))).isEmpty();
    }

    @Test
    void due_vms_are_claimed_oldest_check_first_up_to_the_limit_and_one_claimant_at_a_time() {
        store.run(transaction -> {
            transaction.vms().insert(vm("vm-3", "c", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(3)));
            transaction.vms().insert(vm("vm-1", "a", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(1)));
            transaction.vms().insert(vm("vm-later", "later", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(100)));
            transaction.vms().insert(vm("vm-never", "never", "alice", "sim", VmState.RUNNING, T0, null));
            transaction.vms().insert(vm("vm-2", "b", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(2)));
        });

        assertThat(claimVms("a", T0, 10)).as("nothing is due yet").isEmpty();
        assertThat(claimVms("a", T0.plusSeconds(10), 2)).containsExactly("vm-1", "vm-2");
        assertThat(claimVms("b", T0.plusSeconds(10), 10)).as("a holds vm-1 and vm-2").containsExactly("vm-3");
        assertThat(claimVms("a", T0.plusSeconds(11), 10)).as("a takes its own back, b holds vm-3")
                .containsExactly("vm-1", "vm-2");
        assertThat(claimVms("b", T0.plusSeconds(72), 10)).as("a's claims ran out")
                .containsExactly("vm-1", "vm-2", "vm-3");
    }

    private List<String> claimVms(String claimant, Instant now, int limit) {
        Claim claim = new Claim(claimant, now, now.plusSeconds(60));
        return store.call((Transaction transaction) -> transaction.vms().claimDue(claim, limit)).stream()
                .map(Vm::id).toList();
    }

    @Test
    void claimants_racing_for_due_vms_never_get_the_same_one() throws Exception {
        store.run(transaction -> {
            for (int i = 0; i < 200; i++) {
                transaction.vms().insert(vm("vm-" + i, "n" + i, "alice", "sim", VmState.STARTING, T0,
                        T0.plusMillis(i)));
            }
        });
        List<Future<List<String>>> claims = new ArrayList<>();
        try (var executor = Executors.newFixedThreadPool(4)) {
            for (int claimant = 0; claimant < 4; claimant++) {
                String name = "claimant-" + claimant;
                claims.add(executor.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    for (int round = 0; round < 10; round++) {
                        mine.addAll(claimVms(name, T0.plusSeconds(10), 10));
                    }
                    return mine;
                }));
            }
        }
        Map<String, String> owner = new HashMap<>();
        for (int claimant = 0; claimant < claims.size(); claimant++) {
            for (String vmId : claims.get(claimant).get()) {
                String previous = owner.put(vmId, "claimant-" + claimant);
                assertThat(previous == null || previous.equals("claimant-" + claimant))
                        .as("%s claimed by %s and claimant-%d", vmId, previous, claimant).isTrue();
            }
        }
        // How many rows each racer got depends on timing (and on H2's or PostgreSQL's locking); that none got a row
        // another holds does not.
        assertThat(owner).as("the racers claimed something").isNotEmpty();
        assertThat(claimVms("late", T0.plusSeconds(10), 500)).as("a newcomer gets exactly the unclaimed rest")
                .hasSize(200 - owner.size()).doesNotContainAnyElementsOf(owner.keySet());
    }

    @Test
    void vms_expected_in_a_realm_exclude_failed_and_destroyed_ones_and_other_realms() {
        store.run(transaction -> {
            int i = 0;
            for (VmState state : VmState.values()) {
                transaction.vms().insert(vm("vm-" + i, "vm" + i, "alice", "sim", state, T0, null));
                i++;
            }
            transaction.vms().insert(vm("vm-lab", "lab1", "alice", "lab", VmState.RUNNING, T0, null));
        });

        assertThat(store.call((Transaction transaction) -> transaction.vms().expectedInRealm("sim"))).extracting(Vm::state)
                .containsExactlyInAnyOrder(VmState.REQUESTED, VmState.STARTING, VmState.AWAITING_REGISTRATION,
                        VmState.RUNNING, VmState.STOPPING, VmState.STOPPED);
        assertThat(store.call((Transaction transaction) -> transaction.vms().expectedInRealm("lab"))).extracting(Vm::id)
                .containsExactly("vm-lab");
        assertThat(store.call((Transaction transaction) -> transaction.vms().expectedInRealm("nowhere"))).isEmpty();
    }

    @Test
    void renaming_an_owner_moves_their_vms_live_or_destroyed_and_no_one_elses() {
        store.run(transaction -> {
            transaction.vms().insert(vm("vm-a", "a1", "alice", "sim", VmState.DESTROYED, T0, null));
            transaction.vms().insert(vm("vm-b", "b1", "bob", "sim", VmState.RUNNING, T0, null));
        });

        assertThat(store.call((Transaction transaction) -> transaction.vms().renameOwner("alice", "~deleted-7")))
                .isEqualTo(1);
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-a")).orElseThrow().owner())
                .isEqualTo("~deleted-7");
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-b")).orElseThrow().owner())
                .isEqualTo("bob");
        assertThat(store.call((Transaction transaction) -> transaction.constellations().renameOwner("alice", "~x")))
                .isZero();
    }

    @Test
    void an_update_writes_every_changeable_field_and_bumps_the_version() {
        Vm inserted = vm("vm-1", "w1", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(1));
        store.run(transaction -> transaction.vms().insert(inserted));
        Vm changed = new Vm("vm-1", "w1", "alice", "default", "worker", "sim", "small", OsFamily.LINUX, "/images/worker.qcow2", 2,
                2048, 20, "vm-1", VmState.AWAITING_REGISTRATION, DesiredState.STOPPED, "realm busy",
                List.of("10.1.2.3", "10.1.2.4"), T0, T0.plusSeconds(5), T0.plusSeconds(300), T0.plusSeconds(6),
                T0.plusSeconds(20), 4, inserted.version());

        Vm written = store.call(transaction -> transaction.vms().update(changed)).orElseThrow();

        assertThat(written.version()).isEqualTo(inserted.version() + 1);
        assertThat(written).usingRecursiveComparison().ignoringFields("version").isEqualTo(changed);
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-1"))).contains(written);

        Vm cleared = written.moveTo(VmState.RUNNING, null, T0.plusSeconds(8), null).withAddresses(List.of());
        Vm rewritten = store.call(transaction -> transaction.vms().update(cleared)).orElseThrow();
        assertThat(rewritten.reason()).isNull();
        assertThat(rewritten.nextCheckAt()).isNull();
        assertThat(rewritten.addresses()).isEmpty();
        assertThat(rewritten.version()).isEqualTo(written.version() + 1);
    }

    @Test
    void an_update_with_a_stale_version_returns_empty_and_changes_nothing() {
        Vm inserted = vm("vm-1", "w1", "alice", "sim", VmState.STARTING, T0, T0.plusSeconds(1));
        store.run(transaction -> transaction.vms().insert(inserted));
        Vm first = store.call(transaction -> transaction.vms()
                .update(inserted.moveTo(VmState.RUNNING, null, T0.plusSeconds(2), null))).orElseThrow();

        Optional<Vm> stale = store.call(transaction -> transaction.vms()
                .update(inserted.moveTo(VmState.FAILED, "lost race", T0.plusSeconds(3), null)));

        assertThat(stale).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-1"))).contains(first);
        Vm second = store.call(transaction -> transaction.vms()
                .update(first.moveTo(VmState.STOPPING, null, T0.plusSeconds(4), T0.plusSeconds(5)))).orElseThrow();
        assertThat(second.version()).isEqualTo(first.version() + 1);
    }

    @Test
    void an_update_of_an_unknown_vm_returns_empty() {
        assertThat(store.call((Transaction transaction) -> transaction.vms()
                .update(vm("vm-ghost", "ghost", "alice", "sim", VmState.RUNNING, T0, null)))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.vms().findById("vm-ghost"))).isEmpty();
    }

    @Test
    void counts_by_state_name_every_state_with_zero_for_absent_ones() {
        assertThat(store.call((Transaction transaction) -> transaction.vms().countByState()))
                .containsOnlyKeys(VmState.values())
                .allSatisfy((state, count) -> assertThat(count).isZero());

        store.run(transaction -> {
            transaction.vms().insert(vm("vm-1", "a", "alice", "sim", VmState.RUNNING, T0, null));
            transaction.vms().insert(vm("vm-2", "b", "alice", "sim", VmState.RUNNING, T0, null));
            transaction.vms().insert(vm("vm-3", "c", "alice", "sim", VmState.DESTROYED, T0, null));
        });

        Map<VmState, Long> counts = store.call(transaction -> transaction.vms().countByState());
        assertThat(counts).containsOnlyKeys(VmState.values())
                .containsEntry(VmState.RUNNING, 2L)
                .containsEntry(VmState.DESTROYED, 1L)
                .containsEntry(VmState.FAILED, 0L);
    }

    @Test
    void orphans_are_recorded_once_per_realm_keep_their_first_sighting_and_are_deleted() {
        store.run(transaction -> {
            transaction.vms().putOrphan("sim", "native-2", T0.plusSeconds(2));
            transaction.vms().putOrphan("sim", "native-1", T0);
            transaction.vms().putOrphan("lab", "native-1", T0.plusSeconds(9));
        });
        store.run(transaction -> transaction.vms().putOrphan("sim", "native-1", T0.plusSeconds(60)));

        assertThat(store.call((Transaction transaction) -> transaction.vms().orphans("sim")))
                .containsExactly(Map.entry("native-1", T0), Map.entry("native-2", T0.plusSeconds(2)));
        assertThat(store.call((Transaction transaction) -> transaction.vms().orphans("lab")))
                .containsExactly(Map.entry("native-1", T0.plusSeconds(9)));

        store.run(transaction -> transaction.vms().deleteOrphan("sim", "native-1"));
        store.run(transaction -> transaction.vms().deleteOrphan("sim", "never-seen"));

        assertThat(store.call((Transaction transaction) -> transaction.vms().orphans("sim"))).containsOnlyKeys("native-2");
        assertThat(store.call((Transaction transaction) -> transaction.vms().orphans("lab"))).containsOnlyKeys("native-1");
        assertThat(store.call((Transaction transaction) -> transaction.vms().orphans("nowhere"))).isEmpty();
    }

    // ---- audit ----

    @Test
    void an_empty_chain_has_the_genesis_head() {
        assertThat(store.call((Transaction transaction) -> transaction.audit().head()))
                .isEqualTo(new AuditRepository.Head(0, AuditChain.GENESIS, null));
        assertThat(store.call((Transaction transaction) -> transaction.audit().count())).isZero();
        assertThat(store.call((Transaction transaction) -> transaction.audit().list(0, 10, null, null))).isEmpty();
    }

    @Test
    void sealing_the_chain_and_resetting_its_head_are_stored() {
        AuditEvent first = store.call(transaction -> transaction.audit()
                .append("alice", "user.login", "user:alice", Map.of(), T0));
        AuditEvent second = store.call(transaction -> transaction.audit()
                .append("alice", "user.logout", "user:alice", Map.of(), T0.plusSeconds(1)));
        assertThat(first.seal()).as("a store without a key seals nothing").isNull();

        store.call(transaction -> {
            transaction.audit().seal(Map.of(1L, "a".repeat(64), 2L, "b".repeat(64)), "c".repeat(64));
            return null;
        });
        assertThat(store.call((Transaction transaction) -> transaction.audit().list(0, 10, null, null)))
                .extracting(AuditEvent::seal).containsExactly("a".repeat(64), "b".repeat(64));
        assertThat(store.call((Transaction transaction) -> transaction.audit().head()))
                .isEqualTo(new AuditRepository.Head(2, second.hash(), "c".repeat(64)));
        assertThat(store.call((Transaction transaction) -> transaction.audit().last())).get()
                .extracting(AuditEvent::seq).isEqualTo(2L);

        store.call(transaction -> {
            transaction.audit().resetHead(first, "d".repeat(64));
            return null;
        });
        assertThat(store.call((Transaction transaction) -> transaction.audit().head()))
                .isEqualTo(new AuditRepository.Head(1, first.hash(), "d".repeat(64)));
    }

    @Test
    void an_event_written_after_the_head_stops_appends_with_a_message_that_says_so() {
        AuditEvent first = store.call(transaction -> transaction.audit()
                .append("alice", "user.login", "user:alice", Map.of(), T0));
        store.call(transaction -> transaction.audit().append("alice", "user.logout", "user:alice", Map.of(),
                T0.plusSeconds(1)));
        // As someone writing the database outside the server would: the head set back, the row left.
        store.call(transaction -> {
            transaction.audit().resetHead(first, null);
            return null;
        });

        assertThatThrownBy(() -> store.call(transaction -> transaction.audit().append("bob", "user.login",
                "user:bob", Map.of(), T0.plusSeconds(2))))
                .hasMessageContaining("after its head").hasMessageContaining("asterism audit verify");
    }

    @Test
    void appended_events_form_a_valid_chain_and_move_the_head() {
        AuditEvent first = store.call(transaction -> transaction.audit()
                .append("alice", "user.login", "user:alice", Map.of(), T0));
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.prevHash()).isEqualTo(AuditChain.GENESIS);
        assertThat(first.hash()).isEqualTo(AuditChain.hashOf(first));
        assertThat(store.call((Transaction transaction) -> transaction.audit().head()))
                .isEqualTo(new AuditRepository.Head(1, first.hash(), null));

        AuditEvent second = store.call(transaction -> transaction.audit()
                .append("alice", "vm.create", "vm:w1", Map.of("brick", "worker"), T0.plusSeconds(1)));
        assertThat(second.seq()).isEqualTo(2);
        assertThat(second.prevHash()).isEqualTo(first.hash());
        assertThat(store.call((Transaction transaction) -> transaction.audit().head()))
                .isEqualTo(new AuditRepository.Head(2, second.hash(), null));
        assertThat(store.call((Transaction transaction) -> transaction.audit().count())).isEqualTo(2);

        List<AuditEvent> stored = store.call(transaction -> transaction.audit().list(0, 10, null, null));
        assertThat(stored).containsExactly(first, second);
        assertThat(verify(stored).valid()).isTrue();
    }

    @Test
    void audit_events_are_listed_after_a_seq_up_to_a_limit_and_filtered_by_actor_and_action() {
        store.run(transaction -> {
            transaction.audit().append("alice", "vm.create", "vm:a", Map.of(), T0);
            transaction.audit().append("bob", "vm.create", "vm:b", Map.of(), T0);
            transaction.audit().append("alice", "vm.destroy", "vm:a", Map.of(), T0);
            transaction.audit().append("alice", "vm.create", "vm:c", Map.of(), T0);
            transaction.audit().append("bob", "user.login", "user:bob", Map.of(), T0);
        });

        store.run(transaction -> {
            assertThat(transaction.audit().list(0, 100, null, null)).extracting(AuditEvent::seq)
                    .containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(transaction.audit().list(2, 100, null, null)).extracting(AuditEvent::seq)
                    .containsExactly(3L, 4L, 5L);
            assertThat(transaction.audit().list(1, 2, null, null)).extracting(AuditEvent::seq)
                    .containsExactly(2L, 3L);
            assertThat(transaction.audit().list(5, 100, null, null)).isEmpty();
            assertThat(transaction.audit().list(0, 100, "alice", null)).extracting(AuditEvent::seq)
                    .containsExactly(1L, 3L, 4L);
            assertThat(transaction.audit().list(0, 100, null, "vm.create")).extracting(AuditEvent::seq)
                    .containsExactly(1L, 2L, 4L);
            assertThat(transaction.audit().list(0, 100, "alice", "vm.create")).extracting(AuditEvent::seq)
                    .containsExactly(1L, 4L);
            assertThat(transaction.audit().list(1, 1, "alice", "vm.create")).extracting(AuditEvent::seq)
                    .containsExactly(4L);
            assertThat(transaction.audit().list(0, 100, "carol", null)).isEmpty();
        });
    }

    @Test
    void audit_details_with_quotes_backslashes_newlines_controls_and_unicode_round_trip_exactly() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("quote", "say \"hi\" and \"bye\"");
        details.put("backslash", "C:\\Users\\alice\\ and a trailing \\");
        details.put("escape-like", "\\n is not a newline, \\u0041 is not A, \\\" is not a quote");
        details.put("newlines", "line one\nline two\r\nafter a tab\tend");
        details.put("controls", "nul\u0000 bell\u0007 escape\u001b del\u007f");
        details.put("unicode", "Zoë Ærø ñ 日本語 עברית 😀 \u2028");
        details.put("json", "{\"key\": [1, 2], \"other\": \"}\"}");
        details.put("empty", "");
        details.put("key with \"quotes\" and \\ and \n", "value");
        details.put("ключ", "значение");

        AuditEvent appended = store.call(transaction -> transaction.audit()
                .append("alice", "vm.create", "vm:w1", details, T0));
        AuditEvent stored = store.call(transaction -> transaction.audit().list(0, 1, null, null)).getFirst();

        assertThat(stored.details()).isEqualTo(details);
        assertThat(stored).isEqualTo(appended);
        assertThat(AuditChain.hashOf(stored)).isEqualTo(stored.hash());
    }

    @Test
    void audit_timestamps_round_trip_at_millisecond_precision() {
        Instant precise = Instant.parse("2031-07-08T09:10:11.123456789Z");
        Instant whole = Instant.parse("1999-12-31T23:59:59Z");

        AuditEvent first = store.call(transaction -> transaction.audit()
                .append("alice", "a", "t", Map.of(), precise));
        AuditEvent second = store.call(transaction -> transaction.audit()
                .append("alice", "a", "t", Map.of(), whole));

        assertThat(first.time()).isEqualTo(Instant.parse("2031-07-08T09:10:11.123Z"));
        assertThat(second.time()).isEqualTo(whole);
        List<AuditEvent> stored = store.call(transaction -> transaction.audit().list(0, 10, null, null));
        assertThat(stored).extracting(AuditEvent::time).containsExactly(first.time(), whole);
        assertThat(verify(stored).valid()).isTrue();
    }

    @Test
    void concurrent_appends_keep_the_chain_contiguous_and_valid() throws Exception {
        int threads = 8;
        int eventsPerThread = 50;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String actor = "actor-" + t;
                futures.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < eventsPerThread; i++) {
                        int number = i;
                        store.run(transaction -> transaction.audit().append(actor, "test.append", "n:" + number,
                                Map.of("n", Integer.toString(number)), T0.plusMillis(number)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            executor.shutdownNow();
        }

        int total = threads * eventsPerThread;
        List<AuditEvent> stored = store.call(transaction -> transaction.audit().list(0, total + 10, null, null));
        assertThat(stored).extracting(AuditEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(store.call((Transaction transaction) -> transaction.audit().count())).isEqualTo(total);
        for (int t = 0; t < threads; t++) {
            String actor = "actor-" + t;
            assertThat(store.call((Transaction transaction) -> transaction.audit().list(0, total, actor, null))).hasSize(eventsPerThread);
        }
        AuditVerification verification = verify(stored);
        assertThat(verification.problems()).isEmpty();
        assertThat(verification.valid()).isTrue();
        assertThat(verification.events()).isEqualTo(total);
    }

    // ---- transactions and secrets ----

    @Test
    void a_secret_is_created_once_and_returned_unchanged_afterwards() {
        AtomicInteger generated = new AtomicInteger();

        String first = store.call(transaction -> transaction.secret("registration-key",
                () -> "secret-" + generated.incrementAndGet()));
        String again = store.call(transaction -> transaction.secret("registration-key",
                () -> "secret-" + generated.incrementAndGet()));
        String other = store.call(transaction -> transaction.secret("other-key",
                () -> "secret-" + generated.incrementAndGet()));

        assertThat(first).isEqualTo("secret-1");
        assertThat(again).isEqualTo(first);
        assertThat(other).isEqualTo("secret-2");
        assertThat(generated).hasValue(2);
    }

    @Test
    void a_secret_that_is_replaced_keeps_only_its_new_value_and_a_missing_one_cannot_be_replaced() {
        store.run(transaction -> transaction.secret("registration-key", () -> "old"));

        store.run(transaction -> transaction.replaceSecret("registration-key", "new"));

        assertThat(store.call((Transaction transaction) -> transaction.secret("registration-key", () -> "made")))
                .isEqualTo("new");
        assertThatThrownBy(() -> store.run(transaction -> transaction.replaceSecret("missing", "value")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("missing");
    }

    @Test
    void call_returns_the_value_of_its_work() {
        assertThat(store.call((Transaction transaction) -> 42)).isEqualTo(42);
        assertThat(store.description()).isNotBlank();
    }

    @Test
    void an_exception_inside_a_call_rolls_back_every_write_of_that_call_and_is_rethrown() {
        store.run(transaction -> transaction.audit().append("system", "before", "t", Map.of(), T0));
        AuditRepository.Head before = store.call(transaction -> transaction.audit().head());
        IllegalStateException failure = new IllegalStateException("boom");

        assertThatThrownBy(() -> store.run(transaction -> {
            transaction.users().insert("alice", Role.USER, "h", T0);
            transaction.catalog().insertRealm(new RealmDefinition("sim", "sim", ""));
            transaction.vms().insert(vm("vm-1", "w1", "alice", "sim", VmState.REQUESTED, T0, T0));
            transaction.audit().append("alice", "user.create", "user:alice", Map.of(), T0);
            transaction.secret("registration-key", () -> "rolled back");
            throw failure;
        })).isSameAs(failure);

        store.run(transaction -> {
            assertThat(transaction.users().find("alice")).isEmpty();
            assertThat(transaction.catalog().realms()).isEmpty();
            assertThat(transaction.vms().findById("vm-1")).isEmpty();
            assertThat(transaction.audit().head()).isEqualTo(before);
            assertThat(transaction.audit().count()).isEqualTo(1);
            assertThat(transaction.secret("registration-key", () -> "kept")).isEqualTo("kept");
        });
    }

    @Test
    void a_failed_statement_rolls_back_the_earlier_writes_of_its_call() {
        store.run(transaction -> transaction.catalog().insertRealm(new RealmDefinition("sim", "sim", "")));

        assertAlreadyExists(() -> store.run(transaction -> {
            transaction.users().insert("alice", Role.USER, "h", T0);
            transaction.audit().append("alice", "realm.create", "realm:sim", Map.of(), T0);
            transaction.catalog().insertRealm(new RealmDefinition("sim", "qemu", "again"));
        }));

        assertThat(store.call((Transaction transaction) -> transaction.users().find("alice"))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.audit().count())).isZero();
        // The store stays usable after the failure.
        store.run(transaction -> transaction.users().insert("alice", Role.USER, "h", T0));
        assertThat(store.call((Transaction transaction) -> transaction.users().find("alice"))).isPresent();
    }

    // ---- levels and projects ----

    @Test
    void a_new_database_has_the_lowest_level_and_an_open_default_project_at_it() {
        store.run(transaction -> {
            assertThat(transaction.projects().levels()).containsExactly(new SecurityLevel("public", 0,
                    "the lowest level"));
            Project fallback = transaction.projects().find(Project.DEFAULT).orElseThrow();
            assertThat(fallback.level()).isEqualTo("public");
            assertThat(fallback.open()).isTrue();
            assertThat(fallback.quota()).isEqualTo(Quota.NONE);
        });
    }

    @Test
    void levels_are_replaced_whole_and_listed_in_rank_order() {
        List<SecurityLevel> levels = List.of(new SecurityLevel("public", 0, ""), new SecurityLevel("internal", 1, "x"),
                new SecurityLevel("cui", 2, "controlled unclassified"));
        store.run(transaction -> transaction.projects().replaceLevels(levels));
        assertThat(store.call((Transaction transaction) -> transaction.projects().levels())).isEqualTo(levels);
        List<SecurityLevel> reordered = List.of(new SecurityLevel("internal", 0, "x"), new SecurityLevel("public", 1,
                ""));
        store.run(transaction -> transaction.projects().replaceLevels(reordered));
        assertThat(store.call((Transaction transaction) -> transaction.projects().levels())).isEqualTo(reordered);
    }

    @Test
    void clearances_and_brick_levels_are_put_replaced_and_go_with_their_user_or_brick() {
        seedCatalog();
        store.run(transaction -> {
            User alice = transaction.users().insert("alice", Role.USER, "h", T0);
            assertThat(transaction.projects().clearance("alice")).isEmpty();
            transaction.projects().putClearance(alice.id(), "internal");
            transaction.projects().putClearance(alice.id(), "cui");
            transaction.projects().putBrickLevel("worker", "internal");
            transaction.projects().putBrickLevel("worker", "cui");
        });
        store.run(transaction -> {
            assertThat(transaction.projects().clearance("alice")).contains("cui");
            assertThat(transaction.projects().brickLevel("worker")).contains("cui");
            assertThat(transaction.projects().brickLevel("controller")).isEmpty();
            assertThat(transaction.projects().levelUses("cui")).containsExactly("user alice", "brick worker");
            transaction.users().delete("alice");
            transaction.catalog().deleteBrick("worker");
        });
        assertThat(store.call((Transaction transaction) -> transaction.projects().levelUses("cui"))).isEmpty();
    }

    @Test
    void a_project_round_trips_with_its_quota_and_its_members_and_is_deleted_with_them() {
        Project genomics = new Project("genomics", "sequencing data", "cui", false,
                new Quota(2, null, 16, 64, 0), T0);
        store.run(transaction -> {
            transaction.projects().insert(genomics);
            User alice = transaction.users().insert("alice", Role.USER, "h", T0);
            User bob = transaction.users().insert("bob", Role.USER, "h", T0);
            transaction.projects().putMember(alice.id(), new ProjectMember("genomics", "alice", ProjectRole.MANAGER));
            transaction.projects().putMember(bob.id(), new ProjectMember("genomics", "bob", ProjectRole.MANAGER));
            transaction.projects().putMember(bob.id(), new ProjectMember("genomics", "bob", ProjectRole.RESEARCHER));
            transaction.projects().putMember(bob.id(), new ProjectMember(Project.DEFAULT, "bob",
                    ProjectRole.RESEARCHER));
        });
        assertAlreadyExists(() -> store.run(transaction -> transaction.projects().insert(genomics)));
        store.run(transaction -> {
            assertThat(transaction.projects().find("genomics")).contains(genomics);
            assertThat(transaction.projects().lock("genomics")).contains(genomics);
            assertThat(transaction.projects().list()).extracting(Project::name).containsExactly("default", "genomics");
            assertThat(transaction.projects().members("genomics")).containsExactly(
                    new ProjectMember("genomics", "alice", ProjectRole.MANAGER),
                    new ProjectMember("genomics", "bob", ProjectRole.RESEARCHER));
            assertThat(transaction.projects().memberships("bob")).extracting(ProjectMember::project)
                    .containsExactly("default", "genomics");
            assertThat(transaction.projects().levelUses("cui")).containsExactly("project genomics");
            transaction.projects().updateQuota("genomics", Quota.NONE);
            assertThat(transaction.projects().find("genomics").orElseThrow().quota()).isEqualTo(Quota.NONE);
            assertThat(transaction.projects().deleteMember("genomics", "alice")).isTrue();
            assertThat(transaction.projects().deleteMember("genomics", "alice")).isFalse();
            assertThat(transaction.projects().member("genomics", "alice")).isEmpty();
            assertThat(transaction.projects().delete("genomics")).isTrue();
            assertThat(transaction.projects().memberships("bob")).extracting(ProjectMember::project)
                    .containsExactly("default");
            assertThat(transaction.projects().find("genomics")).isEmpty();
        });
    }

    @Test
    void teams_keep_their_members_grants_and_places_in_projects_and_go_with_them() {
        seedCatalog();
        store.run(transaction -> {
            User alice = transaction.users().insert("alice", Role.USER, "h", T0);
            User bob = transaction.users().insert("bob", Role.USER, "h", T0);
            transaction.teams().insert(new Team("crew", "the lab", T0));
            transaction.teams().insert(new Team("alpha", "", T0));
            transaction.teams().putMember("crew", alice.id());
            transaction.teams().putMember("crew", alice.id());
            transaction.teams().putMember("crew", bob.id());
            transaction.teams().putMember("alpha", bob.id());
            transaction.catalog().putTeamGrant(new TeamGrant("worker", "crew", GrantLevel.USE));
            transaction.catalog().putTeamGrant(new TeamGrant("worker", "crew", GrantLevel.MANAGE));
            transaction.catalog().putTeamGrant(new TeamGrant("controller", "alpha", GrantLevel.USE));
            transaction.projects().insert(new Project("genomics", "", "public", false, Quota.NONE, T0));
            transaction.projects().putTeam(new ProjectTeam("genomics", "crew", ProjectRole.RESEARCHER));
            transaction.projects().putTeam(new ProjectTeam("genomics", "crew", ProjectRole.MANAGER));
            transaction.projects().putTeam(new ProjectTeam("genomics", "alpha", ProjectRole.RESEARCHER));
        });
        assertAlreadyExists(() -> store.run(transaction -> transaction.teams().insert(new Team("crew", "", T0))));
        store.run(transaction -> {
            assertThat(transaction.teams().list()).extracting(Team::name).containsExactly("alpha", "crew");
            assertThat(transaction.teams().find("crew")).contains(new Team("crew", "the lab", T0));
            assertThat(transaction.teams().members("crew")).containsExactly("alice", "bob");
            assertThat(transaction.teams().teamsOf("bob")).containsExactly("alpha", "crew");
            assertThat(transaction.catalog().teamGrantsOnBrick("worker"))
                    .containsExactly(new TeamGrant("worker", "crew", GrantLevel.MANAGE));
            assertThat(transaction.catalog().teamGrantsOfUser("bob")).containsExactly(
                    new BrickGrant("controller", "bob", GrantLevel.USE),
                    new BrickGrant("worker", "bob", GrantLevel.MANAGE));
            assertThat(transaction.projects().teams("genomics")).extracting(ProjectTeam::team)
                    .containsExactly("alpha", "crew");
            assertThat(transaction.projects().teamRoles("genomics", "bob"))
                    .containsExactly(ProjectRole.RESEARCHER, ProjectRole.MANAGER);
            assertThat(transaction.projects().teamRoles("genomics", "alice")).containsExactly(ProjectRole.MANAGER);
            assertThat(transaction.projects().projectsOfTeam("crew")).extracting(ProjectTeam::project)
                    .containsExactly("genomics");
            assertThat(transaction.teams().deleteMember("crew", "alice")).isTrue();
            assertThat(transaction.teams().deleteMember("crew", "alice")).isFalse();
            assertThat(transaction.projects().deleteTeam("genomics", "alpha")).isTrue();
            assertThat(transaction.catalog().deleteTeamGrant("controller", "alpha")).isTrue();
            assertThat(transaction.teams().delete("crew")).isTrue();
            assertThat(transaction.catalog().teamGrantsOfUser("bob")).isEmpty();
            assertThat(transaction.projects().teams("genomics")).isEmpty();
            assertThat(transaction.teams().teamsOf("bob")).containsExactly("alpha");
        });
    }

    @Test
    void live_vms_and_constellations_are_listed_per_project() {
        store.run(transaction -> {
            transaction.vms().insert(vm("v1", "a1", "alice", "sim", VmState.RUNNING, T0, null));
            transaction.vms().insert(vm("v2", "a2", "alice", "sim", VmState.DESTROYED, T0, null));
            transaction.constellations().insert("c1", new Constellation("lab", "alice", "genomics", "controller",
                    "lab-controller", "LAB.ASTERISM.TEST", "10.77.0.0/24", JoinMode.PORTS, ClipboardRule.OFF,
                    ConstellationState.ACTIVE, null, null, T0, T0, null, 0, 0));
        });
        store.run(transaction -> {
            assertThat(transaction.vms().inProject("default")).extracting(Vm::name).containsExactly("a1");
            assertThat(transaction.vms().inProject("genomics")).isEmpty();
            assertThat(transaction.vms().inProjectSince("default", T0)).extracting(Vm::name)
                    .containsExactly("a1", "a2");
            assertThat(transaction.vms().inProjectSince("default", T0.plusSeconds(1))).extracting(Vm::name)
                    .containsExactly("a1");
            assertThat(transaction.constellations().inProject("genomics")).extracting(Constellation::project)
                    .containsExactly("genomics");
            assertThat(transaction.constellations().inProject("default")).isEmpty();
        });
    }

    @Test
    void writers_that_lock_a_project_before_counting_never_pass_its_limit_together() throws Exception {
        int limit = 5;
        int writers = 4;
        AtomicInteger refused = new AtomicInteger();
        try (var executor = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> done = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < 5; i++) {
                        String id = "w" + writer + "-" + i;
                        store.run(transaction -> {
                            transaction.projects().lock(Project.DEFAULT).orElseThrow();
                            if (transaction.vms().inProject(Project.DEFAULT).size() >= limit) {
                                refused.incrementAndGet();
                                return;
                            }
                            transaction.vms().insert(vm(id, id, "alice", "sim", VmState.REQUESTED, T0, null));
                        });
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> writer : done) {
                writer.get(60, TimeUnit.SECONDS);
            }
        }
        assertThat(store.call((Transaction transaction) -> transaction.vms().inProject(Project.DEFAULT))).hasSize(limit);
        assertThat(refused).hasValue(writers * 5 - limit);
    }

    // ---- helpers ----

    protected static Vm vm(String id, String name, String owner, String realm, VmState state, Instant createdAt,
            Instant nextCheckAt) {
        return new Vm(id, name, owner, "default", "worker", realm, "small", OsFamily.LINUX, "/images/worker.qcow2", 2, 2048, 20, id,
                state, DesiredState.RUNNING, null, List.of(), createdAt, createdAt, createdAt.plusSeconds(300), null,
                nextCheckAt, 0, 0);
    }

    protected static String hash(String secret) {
        return Secrets.sha256(secret);
    }

    /** Checks {@code events} as the whole chain, ending at the store's head. */
    protected AuditVerification verify(List<AuditEvent> events) {
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        events.forEach(verifier::accept);
        AuditRepository.Head head = store.call(transaction -> transaction.audit().head());
        return verifier.finish(head.seq(), head.hash());
    }

    private static void assertAlreadyExists(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AsterismException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    }

    @Test
    void a_constellations_clipboard_rule_and_the_rule_its_member_was_given_are_kept() {
        Constellation lab = new Constellation("lab", "alice", "default", "controller", "lab-controller", "LAB.ASTERISM.TEST",
                "10.77.0.0/24", JoinMode.PORTS, ClipboardRule.OFF, ConstellationState.ACTIVE, null, null, T0, T0, null,
                0, 0);
        Member w1 = new Member("m-w1", "lab", "w1", "worker", null, "lab-w1", "10.77.0.10", MemberPhase.READY, false,
                null, null, null, null, null, T0, T0, T0, null, 0, 0);
        store.run(transaction -> {
            transaction.constellations().insert("c-lab", lab);
            transaction.constellations().insertMember(w1);
        });
        assertThat(store.call(transaction -> transaction.constellations().member("lab", "w1")).orElseThrow()
                .clipboard()).isNull();
        store.run(transaction -> {
            assertThat(transaction.constellations().update(lab.withClipboard(ClipboardRule.FROM_DESKTOP, T0)))
                    .isPresent();
            assertThat(transaction.constellations().updateMember(w1.withClipboard(ClipboardRule.FROM_DESKTOP)))
                    .isPresent();
        });
        store.run(transaction -> {
            assertThat(transaction.constellations().find("lab").orElseThrow().clipboard())
                    .isEqualTo(ClipboardRule.FROM_DESKTOP);
            assertThat(transaction.constellations().member("lab", "w1").orElseThrow().clipboard())
                    .isEqualTo(ClipboardRule.FROM_DESKTOP);
        });
    }

    @Test
    void people_are_kept_per_constellation_and_a_wake_up_changes_the_version_even_of_a_due_constellation() {
        Constellation lab = new Constellation("lab", "alice", "default", "controller", "lab-controller", "LAB.ASTERISM.TEST",
                "10.77.0.0/24", JoinMode.PORTS, ClipboardRule.OFF, ConstellationState.ACTIVE, null, null, T0, T0, null,
                0, 0);
        store.run(transaction -> transaction.constellations().insert("c-lab", lab));
        Person bob = new Person("p-bob", "lab", "bob", PersonState.ADDING, "making the domain account", false, T0, T0,
                0);
        store.run(transaction -> transaction.constellations().insertPerson(bob));
        assertThatThrownBy(() -> store.run(transaction -> transaction.constellations().insertPerson(
                new Person("p-bob-2", "lab", "bob", PersonState.ADDING, null, false, T0, T0, 0))))
                .isInstanceOf(AsterismException.class)
                .satisfies(e -> assertThat(((AsterismException) e).code()).isEqualTo(ErrorCode.ALREADY_EXISTS));

        Person active = store.call((Transaction transaction) -> transaction.constellations().updatePerson(
                bob.moveTo(PersonState.ACTIVE, null, T0.plusSeconds(1)))).orElseThrow();
        assertThat(store.call((Transaction transaction) -> transaction.constellations().updatePerson(
                bob.withPasswordSet(T0.plusSeconds(2))))).as("a write from a stale read").isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.constellations().person("lab", "bob"))).contains(active);
        assertThat(store.call((Transaction transaction) -> transaction.constellations().peopleNamed("bob"))).containsExactly(active);
        store.run(transaction -> transaction.constellations().updatePerson(
                active.moveTo(PersonState.REMOVED, "gone", T0.plusSeconds(3))));
        assertThat(store.call((Transaction transaction) -> transaction.constellations().people("lab"))).isEmpty();
        store.run(transaction -> transaction.constellations().insertPerson(
                new Person("p-bob-3", "lab", "bob", PersonState.ADDING, null, false, T0, T0, 0)));
        assertThat(store.call((Transaction transaction) -> transaction.constellations().people("lab")))
                .extracting(Person::id).containsExactly("p-bob-3");

        // Due now: a wake-up later does not postpone it, but a pass that read the old version cannot write it off.
        Constellation read = store.call((Transaction transaction) -> transaction.constellations().find("lab")).orElseThrow();
        store.run(transaction -> transaction.constellations().markDue("lab", T0));
        Constellation due = store.call((Transaction transaction) -> transaction.constellations().find("lab")).orElseThrow();
        assertThat(due.nextCheckAt()).isEqualTo(T0);
        store.run(transaction -> transaction.constellations().markDue("lab", T0.plusSeconds(60)));
        assertThat(store.call((Transaction transaction) -> transaction.constellations().find("lab")).orElseThrow().nextCheckAt())
                .isEqualTo(T0);
        assertThat(store.call((Transaction transaction) -> transaction.constellations().update(
                read.moveTo(ConstellationState.ACTIVE, null, null, T0, null)))).isEmpty();
        assertThat(store.call((Transaction transaction) -> transaction.constellations().update(
                due.moveTo(ConstellationState.ACTIVE, null, null, T0, null)))).as("read while due, before a wake-up")
                .isEmpty();
    }

    private void seedImagesAndProfiles() {
        store.run(transaction -> {
            transaction.catalog().insertProfile(new HardwareProfile("small", 1, 1024, 10));
            transaction.catalog().insertProfile(new HardwareProfile("large", 8, 16384, 100));
            transaction.catalog().insertImage(new Image("ubuntu", OsFamily.LINUX, "/images/ubuntu.qcow2", ""));
            transaction.catalog().insertImage(new Image("win2022", OsFamily.WINDOWS, "/images/win.qcow2", ""));
        });
    }

    private void seedCatalog() {
        seedImagesAndProfiles();
        store.run(transaction -> {
            transaction.catalog().insertRealm(new RealmDefinition("sim", "sim", "in memory"));
            transaction.catalog().insertBrick(new Brick("worker", "ubuntu", "small", OsFamily.LINUX,
                    Set.of(Capability.WORKER)));
            transaction.catalog().insertBrick(new Brick("controller", "ubuntu", "large", OsFamily.LINUX,
                    Set.of(Capability.CONTROLLER)));
        });
    }

    /**
     * A database that applied the migration of version 4 before its comment was reworded (it records the old
     * checksum) opens and then records the new one; a checksum that is neither still fails Flyway's validation.
     */
    static void aDatabaseMigratedBeforeARewordingStillOpens(String url, String user, String password)
            throws java.sql.SQLException {
        JdbcStore.open(url, user, password, "t").close();
        setChecksumOfVersion4(url, user, password, -798_674_876);
        JdbcStore.open(url, user, password, "t").close();
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, user, password);
                java.sql.ResultSet row = connection.createStatement().executeQuery(
                        "SELECT \"checksum\" FROM \"flyway_schema_history\" WHERE \"version\" = '4'")) {
            org.assertj.core.api.Assertions.assertThat(row.next()).isTrue();
            org.assertj.core.api.Assertions.assertThat(row.getInt(1)).isEqualTo(-1_227_345_255);
        }
        setChecksumOfVersion4(url, user, password, 12345);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JdbcStore.open(url, user, password, "t"))
                .hasMessageContaining("cannot open the database").hasMessageContaining("checksum");
    }

    /**
     * A database from before projects (migrated to version 7, with a VM and a constellation in it) keeps both, in the
     * open project 'default' at the lowest level, once it is opened.
     */
    static void aDatabaseFromBeforeProjectsKeepsItsDataInTheDefaultProject(String url, String user, String password)
            throws java.sql.SQLException {
        org.flywaydb.core.Flyway.configure().dataSource(url, user, password).locations("classpath:db/migration")
                .target("7").load().migrate();
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, user, password);
                java.sql.Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO vms (id, name, live_name, owner_name, brick, realm, profile, os_family,"
                    + " image_source, vcpus, memory_mib, disk_gib, state, desired_state, addresses, created_at,"
                    + " updated_at, registration_deadline, attempts, version, network) VALUES ('old-vm', 'old', 'old',"
                    + " 'alice', 'worker', 'sim', 'small', 'LINUX', 'x', 2, 2048, 20, 'RUNNING', 'RUNNING', '',"
                    + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, 0, 'old-vm')");
            statement.executeUpdate("INSERT INTO constellations (id, name, live_name, owner_name, controller_brick,"
                    + " controller_vm, domain, overlay_subnet, state, created_at, updated_at, attempts, version)"
                    + " VALUES ('old-c', 'lab', 'lab', 'alice', 'controller', 'lab-controller', 'LAB.ASTERISM.TEST',"
                    + " '10.77.0.0/24', 'ACTIVE', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, 0)");
        }
        try (JdbcStore store = JdbcStore.open(url, user, password, "t")) {
            store.run(transaction -> {
                assertThat(transaction.vms().find("old").orElseThrow().project()).isEqualTo(Project.DEFAULT);
                assertThat(transaction.constellations().find("lab").orElseThrow().project())
                        .isEqualTo(Project.DEFAULT);
                assertThat(transaction.projects().find(Project.DEFAULT).orElseThrow().level())
                        .isEqualTo(transaction.projects().levels().getFirst().name());
            });
        }
    }

    private static void setChecksumOfVersion4(String url, String user, String password, int checksum)
            throws java.sql.SQLException {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, user, password)) {
            connection.createStatement().executeUpdate("UPDATE \"flyway_schema_history\" SET \"checksum\" = "
                    + checksum + " WHERE \"version\" = '4'");
        }
    }
}
