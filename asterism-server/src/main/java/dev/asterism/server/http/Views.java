package dev.asterism.server.http;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.store.CredentialRepository.ApiToken;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.Vm;
import dev.asterism.server.tunnel.TunnelRelay;
import java.time.Instant;
import java.util.List;

/** Response bodies: the wire shape of domain values, with enums in their wire names and no secret anywhere. */
final class Views {
    private Views() {}

    record UserView(String username, String role, Instant createdAt) {
        static UserView of(User user) {
            return new UserView(user.username(), WireNames.of(user.role()), user.createdAt());
        }
    }

    record TokenView(String id, String name, Instant createdAt, Instant lastUsedAt) {
        static TokenView of(ApiToken token) {
            return new TokenView(token.id(), token.name(), token.createdAt(), token.lastUsedAt());
        }
    }

    record CreatedTokenView(String id, String name, String token, Instant createdAt) {}

    record SessionView(String username, String role, String csrfToken, Instant expiresAt) {}

    record RealmView(String name, String driver, String description) {
        static RealmView of(RealmDefinition realm) {
            return new RealmView(realm.name(), realm.driver(), realm.description());
        }
    }

    record ProfileView(String name, int vcpus, int memoryMib, int diskGib) {
        static ProfileView of(HardwareProfile profile) {
            return new ProfileView(profile.name(), profile.vcpus(), profile.memoryMib(), profile.diskGib());
        }
    }

    record ImageView(String name, String osFamily, String source, String description) {
        static ImageView of(Image image) {
            return new ImageView(image.name(), WireNames.of(image.osFamily()), image.source(), image.description());
        }
    }

    record BrickView(String name, String image, String profile, String osFamily, List<String> capabilities) {
        static BrickView of(Brick brick) {
            return new BrickView(brick.name(), brick.image(), brick.profile(), WireNames.of(brick.osFamily()),
                    brick.capabilities().stream().map(WireNames::of).sorted().toList());
        }
    }

    record GrantView(String brick, String username, String level) {
        static GrantView of(BrickGrant grant) {
            return new GrantView(grant.brick(), grant.username(), WireNames.of(grant.level()));
        }
    }

    record MemberView(String name, String brick, String vm, String phase, String condition, String overlayAddress,
            boolean removalRequested, Instant phaseStartedAt, Instant createdAt, Instant updatedAt) {
        static MemberView of(Member member) {
            return new MemberView(member.name(), member.brick(), member.vmName(), member.phase().name(),
                    member.condition(), member.overlayAddress(), member.removalRequested(), member.phaseStartedAt(),
                    member.createdAt(), member.updatedAt());
        }
    }

    record PersonView(String username, String state, String condition, boolean passwordSet, Instant createdAt,
            Instant updatedAt) {
        static PersonView of(Person person) {
            return new PersonView(person.username(), person.state().name(), person.condition(), person.passwordSet(),
                    person.createdAt(), person.updatedAt());
        }
    }

    record ConstellationView(String name, String owner, String controllerBrick, String controllerVm, String domain,
            String overlaySubnet, String joinMode, String state, String reason, Instant createdAt, Instant updatedAt,
            List<MemberView> members) {
        static ConstellationView of(Constellation constellation, List<Member> members) {
            return new ConstellationView(constellation.name(), constellation.owner(), constellation.controllerBrick(),
                    constellation.controllerVm(), constellation.domain(), constellation.overlaySubnet(),
                    WireNames.of(constellation.joinMode()),
                    constellation.state().name(), constellation.reason(), constellation.createdAt(),
                    constellation.updatedAt(), members == null ? null : members.stream().map(MemberView::of).toList());
        }
    }

    record VmView(String id, String name, String brick, String realm, String profile, String osFamily, String owner,
            String state, String desiredState, String reason, List<String> addresses, int vcpus, int memoryMib,
            int diskGib, Instant createdAt, Instant updatedAt, Instant registrationDeadline, Instant registeredAt) {
        static VmView of(Vm vm) {
            return new VmView(vm.id(), vm.name(), vm.brick(), vm.realm(), vm.profile(), WireNames.of(vm.osFamily()),
                    vm.owner(), vm.state().name(), vm.desiredState().name(), vm.reason(), vm.addresses(), vm.vcpus(),
                    vm.memoryMib(), vm.diskGib(), vm.createdAt(), vm.updatedAt(), vm.registrationDeadline(),
                    vm.registeredAt());
        }
    }

    /**
     * How to connect to a member's port: the command, and an {@code .rdp} file whose address is the command's local
     * listener. The suggested local port is the same for a member every time, so a saved {@code .rdp} file keeps
     * working.
     */
    record ConnectView(String constellation, String member, int port, int localPort, String command, String rdpFile,
            String rdpFileName, String tunnelPath, String signInAs, String domain) {
        static ConnectView of(TunnelRelay.Target target) {
            return new ConnectView(target.constellation(), target.member(), target.port(),
                    target.suggestedLocalPort(), target.command(), target.rdpFile(), target.rdpFileName(),
                    ApiRoutes.PREFIX + "/constellations/" + target.constellation() + "/members/" + target.member()
                            + "/tunnel?port=" + target.port(), target.username(), target.domain());
        }
    }
}
