package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "project",
        description = {
            "Projects: a group's agreement, with a security level, a quota and members (managers and researchers).",
            "",
            "Constellations and VMs belong to one project, chosen when they are made (`--project`; the default is the"
                    + " open project 'default'). Their bricks must be approved for its level, their people must take"
                    + " part in it, and what they hold counts against its quota when it is asked for."
        })
final class ProjectCommand extends CommandGroup {

    /** Quota options; a limit not given stays as it was, and "none" removes it. */
    static final class Limits {
        @Option(names = "--max-constellations", paramLabel = "N|none", description = "Most live constellations.")
        String constellations;

        @Option(names = "--max-vms", paramLabel = "N|none", description = "Most live VMs (plain, controlling and"
                + " members').")
        String vms;

        @Option(names = "--max-vcpus", paramLabel = "N|none", description = "Most vCPUs of those VMs.")
        String vcpus;

        @Option(names = "--max-memory-gib", paramLabel = "N|none", description = "Most GiB of memory of those VMs.")
        String memoryGib;

        @Option(names = "--max-disk-gib", paramLabel = "N|none", description = "Most GiB of disk of those VMs.")
        String diskGib;

        Map<String, Object> over(JsonNode current) {
            Map<String, Object> quota = new LinkedHashMap<>();
            put(quota, current, "constellations", constellations);
            put(quota, current, "vms", vms);
            put(quota, current, "vcpus", vcpus);
            put(quota, current, "memoryGib", memoryGib);
            put(quota, current, "diskGib", diskGib);
            return quota;
        }

        private static void put(Map<String, Object> quota, JsonNode current, String field, String given) {
            if (given == null) {
                JsonNode kept = current == null ? null : current.get(field);
                quota.put(field, kept == null || kept.isNull() ? null : kept.asInt());
            } else if (given.equals("none")) {
                quota.put(field, null);
            } else {
                try {
                    quota.put(field, Integer.parseInt(given));
                } catch (NumberFormatException e) {
                    throw new CommandFailure(ExitStatus.USAGE, "--max-" + field + ": '" + given
                            + "' is neither a whole number nor 'none'");
                }
            }
        }
    }

    @Command(name = "list", description = "List the projects you take part in (administrators: every project).")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/projects");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "LEVEL", "OPEN", "DESCRIPTION");
        response.forEach(project -> table.row(project.path("name").asText(), project.path("level").asText(),
                project.path("open").asBoolean() ? "yes" : "no", project.path("description").asText()));
        table.print(out(), "no projects");
    }

    @Command(name = "show", description = "Show a project: its members and what it holds against its quota.")
    void show(
            @Parameters(paramLabel = "PROJECT", description = "The project.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode project = api().get(path(name));
        if (asJson) {
            printJson(project);
            return;
        }
        Table.fields()
                .row("name", project.path("name").asText())
                .row("description", project.path("description").asText())
                .row("level", project.path("level").asText())
                .row("open", project.path("open").asBoolean() ? "yes: everyone cleared for its level takes part"
                        : "no: its members only")
                .print(out(), "");
        out().println();
        Table usage = Table.withHeaders("RESOURCE", "USED", "QUOTA");
        JsonNode quota = project.path("quota");
        JsonNode used = project.path("usage");
        usage.row("constellations", used.path("constellations").asText(), limit(quota, "constellations"));
        usage.row("VMs", used.path("vms").asText(), limit(quota, "vms"));
        usage.row("vCPUs", used.path("vcpus").asText(), limit(quota, "vcpus"));
        usage.row("memory GiB", used.path("memoryGib").asText(), limit(quota, "memoryGib"));
        usage.row("disk GiB", used.path("diskGib").asText(), limit(quota, "diskGib"));
        usage.print(out(), "");
        out().println();
        Table members = Table.withHeaders("MEMBER", "ROLE");
        project.path("members").forEach(member -> members.row(member.path("username").asText(),
                member.path("role").asText()));
        project.path("teams").forEach(team -> members.row("team " + team.path("team").asText(),
                team.path("role").asText()));
        members.print(out(), "no named members or teams");
    }

    private static String limit(JsonNode quota, String field) {
        JsonNode value = quota.get(field);
        return value == null || value.isNull() ? "no limit" : value.asText();
    }

    @Command(name = "create", description = "Create a project (administrators only).")
    void create(
            @Parameters(paramLabel = "PROJECT", description = "The project's name.") String name,
            @Option(names = "--level", required = true, paramLabel = "LEVEL", description = "Its security level.")
                    String level,
            @Option(names = "--description", paramLabel = "TEXT", description = "What it is for.") String description,
            @Option(names = "--open", description = "Everyone cleared for its level takes part as a researcher,"
                    + " without being named.") boolean open,
            @ArgGroup(exclusive = false) Limits limits) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("level", level);
        body.put("description", description == null ? "" : description);
        body.put("open", open);
        body.put("quota", (limits == null ? new Limits() : limits).over(null));
        JsonNode created = api().post("/projects", body);
        printLine("created project " + created.path("name").asText() + " at " + created.path("level").asText());
    }

    @Command(name = "quota", description = {
        "Change a project's quota (administrators only).",
        "",
        "Limits not given stay as they are; 'none' removes one. A quota below what the project holds refuses new"
                + " work and takes nothing away."
    })
    void quota(
            @Parameters(paramLabel = "PROJECT", description = "The project.") String name,
            @ArgGroup(exclusive = false, multiplicity = "1") Limits limits) {
        JsonNode current = api().get(path(name)).path("quota");
        api().put(path(name) + "/quota", limits.over(current));
        printLine("set the quota of " + name);
    }

    @Command(name = "add", description = {
        "Name a member of a project, or change their role (administrators and the project's managers).",
        "",
        "The user must be cleared for the project's level. Managers add people to its constellations and manage"
                + " them as their owners can; researchers take part."
    })
    void add(
            @Parameters(index = "0", paramLabel = "PROJECT", description = "The project.") String name,
            @Parameters(index = "1", paramLabel = "USER", description = "The user.") String username,
            @Option(names = "--role", defaultValue = "researcher", paramLabel = "manager|researcher",
                    description = "Their role (default: ${DEFAULT-VALUE}).") String role) {
        JsonNode member = api().put(path(name) + "/members/" + ApiClient.segment(username), Map.of("role", role));
        printLine(member.path("username").asText() + " is a " + member.path("role").asText() + " of " + name);
    }

    @Command(name = "add-team", description = {
        "Put a team in a project, or change its role (administrators and the project's managers).",
        "",
        "Each member takes part with the team's role while cleared for the project's level; all must be cleared"
                + " when the team is put in."
    })
    void addTeam(
            @Parameters(index = "0", paramLabel = "PROJECT", description = "The project.") String name,
            @Parameters(index = "1", paramLabel = "TEAM", description = "The team.") String team,
            @Option(names = "--role", defaultValue = "researcher", paramLabel = "manager|researcher",
                    description = "Its members' role (default: ${DEFAULT-VALUE}).") String role) {
        JsonNode placed = api().put(path(name) + "/teams/" + ApiClient.segment(team), Map.of("role", role));
        printLine("team " + placed.path("team").asText() + " takes part in " + name + " as "
                + placed.path("role").asText());
    }

    @Command(name = "remove-team", description = {
        "Take a team out of a project (administrators and its managers).",
        "",
        "Who then takes no part leaves the people of the project's constellations."
    })
    void removeTeam(
            @Parameters(index = "0", paramLabel = "PROJECT", description = "The project.") String name,
            @Parameters(index = "1", paramLabel = "TEAM", description = "The team.") String team) {
        api().delete(path(name) + "/teams/" + ApiClient.segment(team));
        printLine("took team " + team + " out of " + name);
    }

    @Command(name = "remove", description = "Take a member out of a project (administrators and its managers).")
    void remove(
            @Parameters(index = "0", paramLabel = "PROJECT", description = "The project.") String name,
            @Parameters(index = "1", paramLabel = "USER", description = "The member.") String username) {
        api().delete(path(name) + "/members/" + ApiClient.segment(username));
        printLine("took " + username + " out of " + name);
    }

    @Command(name = "usage", description = {
        "VM-hours and vCPU-hours per user of a project's VMs in a period (time in state RUNNING).",
        "",
        "Administrators and the project's managers see every user; a researcher their own."
    })
    void usage(
            @Parameters(paramLabel = "PROJECT", description = "The project.") String name,
            @Option(names = "--since", paramLabel = "DATE", description = "Start: a date (2030-01-02, its start in"
                    + " UTC) or a time (2030-01-02T03:04:05Z); default: 30 days before the end.") String since,
            @Option(names = "--until", paramLabel = "DATE", description = "End, in the same forms; default: now.")
                    String until,
            @Option(names = "--csv", description = "Print CSV (project,user,vms,vm_hours,vcpu_hours) instead of a"
                    + " table.") boolean csv,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        StringBuilder query = new StringBuilder();
        if (since != null) {
            query.append("since=").append(ApiClient.queryValue(since));
        }
        if (until != null) {
            query.append(query.isEmpty() ? "" : "&").append("until=").append(ApiClient.queryValue(until));
        }
        JsonNode records = api().get(path(name) + "/usage" + (query.isEmpty() ? "" : "?" + query));
        if (asJson) {
            printJson(records);
            return;
        }
        if (csv) {
            out().println("project,user,vms,vm_hours,vcpu_hours");
            records.forEach(r -> out().println(r.path("project").asText() + "," + r.path("username").asText() + ","
                    + r.path("vms").asInt() + "," + r.path("vmHours").asDouble() + ","
                    + r.path("vcpuHours").asDouble()));
            out().flush();
            return;
        }
        Table table = Table.withHeaders("USER", "VMS", "VM-HOURS", "VCPU-HOURS");
        records.forEach(r -> table.row(r.path("username").asText(), r.path("vms").asInt(),
                String.format(java.util.Locale.ROOT, "%.2f", r.path("vmHours").asDouble()),
                String.format(java.util.Locale.ROOT, "%.2f", r.path("vcpuHours").asDouble())));
        table.print(out(), "no VM of " + name + " ran in that period");
    }

    @Command(name = "delete", description = "Delete a project that holds nothing (administrators only).")
    void delete(@Parameters(paramLabel = "PROJECT", description = "The project.") String name) {
        api().delete(path(name));
        printLine("deleted project " + name);
    }

    private static String path(String name) {
        return "/projects/" + ApiClient.segment(name);
    }
}
