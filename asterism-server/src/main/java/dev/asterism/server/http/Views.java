package dev.asterism.server.http;

import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.catalog.RealmDefinition;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectMember;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.ProjectTeam;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.SecurityLevel;
import dev.asterism.core.project.Usage;
import dev.asterism.core.project.UsageRecord;
import dev.asterism.core.store.CredentialRepository.ApiToken;
import dev.asterism.core.team.Team;
import dev.asterism.core.team.TeamGrant;
import dev.asterism.core.team.TeamService;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.Vm;
import dev.asterism.server.tunnel.TunnelRelay;
import java.time.Instant;
import java.util.List;

/** Response bodies: the wire shape of domain values, with enums in their wire names and no secret anywhere. */
final class Views {
    private Views() {}

    record UserView(String username, String role, String clearance, Instant createdAt) {
        static UserView of(User user, String clearance) {
            return new UserView(user.username(), WireNames.of(user.role()), clearance, user.createdAt());
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

    record BrickView(String name, String image, String profile, String osFamily, List<String> capabilities,
            String level) {
        static BrickView of(Brick brick, String level) {
            return new BrickView(brick.name(), brick.image(), brick.profile(), WireNames.of(brick.osFamily()),
                    brick.capabilities().stream().map(WireNames::of).sorted().toList(), level);
        }
    }

    record LevelView(String name, int rank, String description) {
        static LevelView of(SecurityLevel level) {
            return new LevelView(level.name(), level.rank(), level.description());
        }
    }

    record QuotaView(Integer constellations, Integer vms, Integer vcpus, Integer memoryGib, Integer diskGib) {
        static QuotaView of(Quota quota) {
            return new QuotaView(quota.constellations(), quota.vms(), quota.vcpus(), quota.memoryGib(),
                    quota.diskGib());
        }
    }

    /** What a project holds; memory in GiB, rounded up to a tenth. */
    record UsageView(int constellations, int vms, int vcpus, double memoryGib, long diskGib) {
        static UsageView of(Usage usage) {
            return new UsageView(usage.constellations(), usage.vms(), usage.vcpus(),
                    usage.memoryGib(), usage.diskGib());
        }
    }

    record UsageRecordView(String project, String username, int vms, double vmHours, double vcpuHours) {
        static UsageRecordView of(UsageRecord record) {
            return new UsageRecordView(record.project(), record.username(), record.vms(), record.vmHours(),
                    record.vcpuHours());
        }
    }

    record ProjectMemberView(String username, String role) {
        static ProjectMemberView of(ProjectMember member) {
            return new ProjectMemberView(member.username(), WireNames.of(member.role()));
        }
    }

    record ProjectTeamView(String team, String role) {
        static ProjectTeamView of(ProjectTeam team) {
            return new ProjectTeamView(team.team(), WireNames.of(team.role()));
        }
    }

    /** A project; its members, teams and usage only when it is shown alone. */
    record ProjectView(String name, String description, String level, boolean open, QuotaView quota,
            Instant createdAt, List<ProjectMemberView> members, List<ProjectTeamView> teams, UsageView usage) {
        static ProjectView of(Project project) {
            return new ProjectView(project.name(), project.description(), project.level(), project.open(),
                    QuotaView.of(project.quota()), project.createdAt(), null, null, null);
        }

        static ProjectView of(ProjectService.View view) {
            Project project = view.project();
            return new ProjectView(project.name(), project.description(), project.level(), project.open(),
                    QuotaView.of(project.quota()), project.createdAt(),
                    view.members().stream().map(ProjectMemberView::of).toList(),
                    view.teams().stream().map(ProjectTeamView::of).toList(), UsageView.of(view.usage()));
        }
    }

    /** A team; its members only when it is shown alone. */
    record TeamView(String name, String description, Instant createdAt, List<String> members) {
        static TeamView of(Team team) {
            return new TeamView(team.name(), team.description(), team.createdAt(), null);
        }

        static TeamView of(TeamService.View view) {
            return new TeamView(view.team().name(), view.team().description(), view.team().createdAt(),
                    view.members());
        }
    }

    record TeamGrantView(String brick, String team, String level) {
        static TeamGrantView of(TeamGrant grant) {
            return new TeamGrantView(grant.brick(), grant.team(), WireNames.of(grant.level()));
        }
    }

    record GrantView(String brick, String username, String level) {
        static GrantView of(BrickGrant grant) {
            return new GrantView(grant.brick(), grant.username(), WireNames.of(grant.level()));
        }
    }

    /** @param clipboard the clipboard rule its desktop was given, null before the first */
    record MemberView(String name, String brick, String vm, String phase, String condition, String overlayAddress,
            boolean removalRequested, String clipboard, Instant phaseStartedAt, Instant createdAt, Instant updatedAt) {
        static MemberView of(Member member) {
            return new MemberView(member.name(), member.brick(), member.vmName(), member.phase().name(),
                    member.condition(), member.overlayAddress(), member.removalRequested(),
                    member.clipboard() == null ? null : member.clipboard().wireName(), member.phaseStartedAt(),
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

    record ConstellationView(String name, String owner, String project, String controllerBrick, String controllerVm, String domain,
            String overlaySubnet, String joinMode, String clipboard, String state, String reason, Instant createdAt,
            Instant updatedAt, List<MemberView> members) {
        static ConstellationView of(Constellation constellation, List<Member> members) {
            return new ConstellationView(constellation.name(), constellation.owner(), constellation.project(),
                    constellation.controllerBrick(),
                    constellation.controllerVm(), constellation.domain(), constellation.overlaySubnet(),
                    WireNames.of(constellation.joinMode()), constellation.clipboard().wireName(),
                    constellation.state().name(), constellation.reason(), constellation.createdAt(),
                    constellation.updatedAt(), members == null ? null : members.stream().map(MemberView::of).toList());
        }
    }

    record VmView(String id, String name, String project, String brick, String realm, String profile, String osFamily, String owner,
            String state, String desiredState, String reason, List<String> addresses, int vcpus, int memoryMib,
            int diskGib, Instant createdAt, Instant updatedAt, Instant registrationDeadline, Instant registeredAt) {
        static VmView of(Vm vm) {
            return new VmView(vm.id(), vm.name(), vm.project(), vm.brick(), vm.realm(), vm.profile(), WireNames.of(vm.osFamily()),
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
