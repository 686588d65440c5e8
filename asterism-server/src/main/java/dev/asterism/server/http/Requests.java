package dev.asterism.server.http;

import java.util.List;

/** Request bodies. Missing fields arrive as null and are reported by the services' validation. */
final class Requests {
    private Requests() {}

    record Login(String username, String password) {}

    record NewToken(String username, String password, String name) {}

    record NewUser(String username, String password, String role) {}

    record NewProfile(String name, Integer vcpus, Integer memoryMib, Integer diskGib) {}

    record NewImage(String name, String osFamily, String source, String description) {}

    record NewBrick(String name, String image, String profile, List<String> capabilities) {}

    record GrantChange(String level) {}

    record NewConstellation(String name, String brick, String joinMode, String project, String clipboard) {}

    record NewClipboard(String clipboard) {}

    record NewMembers(String brick, String profile, Integer count, List<String> names) {}

    record NewVm(String name, String brick, String realm, String profile, String project) {}

    record NewLevels(List<NewLevel> levels) {}

    record NewLevel(String name, String description) {}

    /** A clearance or a brick's approval. */
    record LevelChange(String level) {}

    record NewQuota(Integer constellations, Integer vms, Integer vcpus, Integer memoryGib, Integer diskGib) {}

    record NewProject(String name, String description, String level, Boolean open, NewQuota quota) {}

    record RoleChange(String role) {}

    record NewTeam(String name, String description) {}

    record NewPeople(List<String> usernames) {}

    /** A desktop password: never logged, stored or echoed ({@code toString} hides it). */
    record NewPassword(String password) {
        @Override
        public String toString() {
            return "NewPassword[password=***]";
        }
    }
}
