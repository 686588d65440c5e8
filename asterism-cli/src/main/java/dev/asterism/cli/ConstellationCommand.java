package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "constellation",
        description = {
            "Constellations: create them, add and remove members and people, set your desktop password.",
            "A constellation is a controlling VM with its domain, VPN hub, firewall and share, and its members,"
                    + " which go through the onboarding phases REQUEST_VM, OPEN_PORTS, INJECT, JOIN, VPN,"
                    + " CLOSE_PORTS, READY.",
            "Its people are Asterism users with a domain account each; only they reach its members' desktops.",
            "Its Linux members are the nodes of a Slurm cluster: `jobs` lists the queue."
        })
final class ConstellationCommand extends CommandGroup {
    private static final List<String> ONBOARDING =
            List.of("REQUEST_VM", "OPEN_PORTS", "INJECT", "JOIN", "VPN", "CLOSE_PORTS", "READY");
    private static final int BAR_WIDTH = 14;

    @Command(name = "create", description = "Create a constellation from a brick with the controller capability.")
    int create(
            @Option(names = "--brick", required = true, paramLabel = "BRICK", description = "The controller's brick.")
                    String brick,
            @Option(names = "--name", required = true, paramLabel = "NAME", description = "The constellation's name.")
                    String name,
            @Option(names = "--join-mode", paramLabel = "ports|vpn-first", defaultValue = "ports",
                    description = "ports: members join through join ports the controller opens to them for the join"
                            + " (the default); vpn-first: members go on the VPN first and join through the tunnel, and"
                            + " no port is ever opened.")
                    String joinMode,
            @Option(names = "--project", paramLabel = "PROJECT", description = "The project it belongs to (its"
                    + " bricks must be approved for the project's level, its people must take part in it, and it counts"
                    + " against its quota); default: the project 'default'.") String project,
            @Option(names = "--clipboard", paramLabel = "off|to-desktop|from-desktop|both", defaultValue = "off",
                    description = "Which way the clipboard of desktop sessions on its members carries data (default:"
                            + " ${DEFAULT-VALUE}, nothing either way); change it later with `clipboard`.")
                    String clipboard,
            @Option(names = "--wait", description = "Follow it as `watch` does until it is ACTIVE; exit 1 if it fails,"
                    + " 5 on timeout.") boolean wait,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                    converter = Converters.PositiveDuration.class,
                    description = "How long --wait waits (default: ${DEFAULT-VALUE}).") Duration timeout) {
        Map<String, String> body = new java.util.LinkedHashMap<>(Map.of("name", name, "brick", brick, "joinMode",
                joinMode, "clipboard", clipboard));
        if (project != null) {
            body.put("project", project);
        }
        JsonNode created = api().post("/constellations", body);
        printLine(created.get("name").asText() + ": " + created.get("state").asText() + " (domain "
                + created.get("domain").asText() + ", join mode " + created.get("joinMode").asText() + ")"
                + (wait ? "" : "; follow it with `asterism constellation watch " + name + "`"));
        return wait ? watch(name, timeout) : ExitStatus.SUCCESS.code();
    }

    @Command(name = "add", description = "Add members: --count K (named w1, w2, ...) or --names a,b.")
    int add(
            @Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Option(names = "--brick", required = true, paramLabel = "BRICK", description = "A worker brick.")
                    String brick,
            @Option(names = "--profile", paramLabel = "PROFILE", description = "Hardware profile; default: the brick's.")
                    String profile,
            @Option(names = "--count", paramLabel = "K", description = "How many members to add.") Integer count,
            @Option(names = "--names", paramLabel = "NAMES", split = ",", description = "The members' names.")
                    List<String> names,
            @Option(names = "--wait", description = "Follow them as `watch` does until every member is READY; exit 1"
                    + " if one fails, 5 on timeout.") boolean wait,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                    converter = Converters.PositiveDuration.class,
                    description = "How long --wait waits (default: ${DEFAULT-VALUE}).") Duration timeout) {
        if ((count == null) == (names == null)) {
            throw new CommandFailure(ExitStatus.USAGE, "give either --count or --names");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("brick", brick);
        if (profile != null) {
            body.put("profile", profile);
        }
        if (count != null) {
            body.put("count", count);
        } else {
            body.put("names", names);
        }
        JsonNode added = api().post(path(name) + "/members", body);
        List<String> memberNames = new ArrayList<>();
        added.forEach(member -> memberNames.add(member.get("name").asText()));
        printLine("adding " + String.join(", ", memberNames) + " to " + name
                + (wait ? "" : "; follow them with `asterism constellation watch " + name + "`"));
        return wait ? watch(name, timeout) : ExitStatus.SUCCESS.code();
    }

    @Command(name = "list", description = "List the constellations you can see.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/constellations");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "STATE", "DOMAIN", "CONTROLLER", "OWNER", "REASON");
        response.forEach(c -> table.row(c.get("name").asText(), c.get("state").asText(), c.get("domain").asText(),
                c.get("controllerVm").asText(), c.get("owner").asText(), text(c, "reason")));
        table.print(out(), "no constellations");
    }

    @Command(name = "show", description = "Show a constellation and its members with their phases.")
    void show(
            @Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get(path(name));
        if (asJson) {
            printJson(response);
            return;
        }
        Table.fields()
                .row("name", response.get("name").asText())
                .row("state", response.get("state").asText())
                .row("reason", text(response, "reason"))
                .row("domain", response.get("domain").asText())
                .row("overlay", response.get("overlaySubnet").asText())
                .row("join mode", response.get("joinMode").asText())
                .row("clipboard", response.get("clipboard").asText())
                .row("controller", response.get("controllerVm").asText())
                .print(out(), "");
        Map<String, String> slurm = new LinkedHashMap<>();
        String batchNote = "";
        if (response.get("state").asText().equals("ACTIVE")) {
            try {
                JsonNode batch = api().get(path(name) + "/batch");
                batch.get("nodes").forEach(node -> slurm.put(node.get("name").asText(), node.get("state").asText()
                        + (node.get("reason").asText().isEmpty() ? "" : " (" + node.get("reason").asText() + ")")));
                batchNote = batch.get("scheduler").asBoolean() ? "" : batch.get("note").asText();
            } catch (ApiException unanswered) {
                batchNote = "the batch scheduler did not answer: " + unanswered.getMessage();
            }
        }
        boolean scheduler = batchNote.isEmpty();
        Table members = Table.withHeaders("MEMBER", "PHASE", "VM", "OVERLAY", "SLURM", "CONDITION");
        response.get("members").forEach(m -> members.row(m.get("name").asText(), m.get("phase").asText(),
                text(m, "vm"), m.get("overlayAddress").asText(), slurm.getOrDefault(m.get("name").asText(),
                        m.get("phase").asText().equals("READY") && scheduler ? "no node" : "-"),
                text(m, "condition")));
        out().println();
        members.print(out(), "no members");
        if (!batchNote.isEmpty()) {
            out().println();
            out().println(batchNote);
        }
    }

    @Command(name = "jobs", description = {
        "List the batch queue of a constellation: Slurm's jobs, pending and running, with their users and nodes.",
        "Jobs are submitted with Slurm's own sbatch and srun, on any Linux member, as a person of the"
                + " constellation; every Linux member that is READY is a node of the partition 'members'."})
    void jobs(
            @Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode batch = api().get(path(name) + "/batch");
        if (asJson) {
            printJson(batch);
            return;
        }
        Table nodes = Table.withHeaders("NODE", "STATE", "CPUS", "REASON");
        batch.get("nodes").forEach(node -> nodes.row(node.get("name").asText(), node.get("state").asText(),
                node.get("cpus").asText(), dash(node.get("reason").asText())));
        nodes.print(out(), "no batch nodes");
        out().println();
        Table jobs = Table.withHeaders("JOB", "USER", "NAME", "STATE", "NODES", "REASON");
        batch.get("jobs").forEach(job -> jobs.row(job.get("id").asText(), job.get("user").asText(),
                job.get("name").asText(), job.get("state").asText(), dash(job.get("nodes").asText()),
                dash(job.get("reason").asText())));
        jobs.print(out(), "no jobs queued or running");
        if (!batch.get("note").asText().isEmpty()) {
            out().println();
            out().println(batch.get("note").asText());
        }
    }

    private static String dash(String text) {
        return text.isEmpty() ? "-" : text;
    }

    @Command(name = "watch", description = {
        "Follow a constellation until every member is READY, FAILED or REMOVED.",
        "A progress bar per member with its phase and the time in it. Exit 1 when a member failed."})
    int watch(
            @Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
                    converter = Converters.PositiveDuration.class,
                    description = "How long to watch (default: ${DEFAULT-VALUE}).") Duration timeout) {
        ApiClient api = api();
        Instant started = root.environment().clock().instant();
        String last = "";
        while (true) {
            JsonNode constellation = api.get(path(name));
            Instant now = root.environment().clock().instant();
            String frame = render(constellation, now);
            if (!frame.equals(last)) {
                out().print(frame);
                out().flush();
                last = frame;
            }
            boolean provisioning = constellation.get("state").asText().equals("PROVISIONING");
            boolean failedConstellation = constellation.get("state").asText().equals("FAILED");
            List<String> phases = new ArrayList<>();
            constellation.get("members").forEach(m -> phases.add(m.get("phase").asText()));
            boolean settled = phases.stream().allMatch(p -> p.equals("READY") || p.equals("FAILED") || p.equals("REMOVED"));
            if (failedConstellation || (!provisioning && settled)) {
                boolean failed = failedConstellation || phases.contains("FAILED");
                return failed ? ExitStatus.FAILURE.code() : ExitStatus.SUCCESS.code();
            }
            if (Duration.between(started, now).compareTo(timeout) >= 0) {
                throw new CommandFailure(ExitStatus.TIMED_OUT, "stopped watching after " + Durations.format(timeout)
                        + "; the members keep going on the server");
            }
            try {
                root.environment().sleeper().sleep(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitStatus.FAILURE.code();
            }
        }
    }

    @Command(name = "clipboard", description = {
            "Set which way the clipboard of desktop sessions on the members carries data: off, to-desktop (paste into"
                    + " the desktops only), from-desktop (copy out of them only) or both.",
            "Every member's desktop enforces it, whatever client connects; sessions that started before keep their"
                    + " rule until they end. For the owner, the project's managers and admins."})
    void clipboard(
            @Parameters(index = "0", paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Parameters(index = "1", paramLabel = "off|to-desktop|from-desktop|both", description = "The rule.")
                    String rule) {
        JsonNode changed = api().put(path(name) + "/clipboard", Map.of("clipboard", rule));
        printLine(name + ": clipboard " + changed.get("clipboard").asText()
                + "; its members take it on now (see `asterism constellation show " + name + "`)");
    }

    @Command(name = "retry", description = "Start a FAILED member again, with a new VM.")
    void retry(
            @Parameters(index = "0", paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Parameters(index = "1", paramLabel = "MEMBER", description = "The member.") String member) {
        JsonNode retried = api().post(path(name) + "/members/" + ApiClient.segment(member) + "/retry", null);
        printLine(member + ": " + retried.get("phase").asText());
    }

    @Command(name = "remove", description = "Remove a member: VPN peer out, computer account out, VM destroyed.")
    void remove(
            @Parameters(index = "0", paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Parameters(index = "1", paramLabel = "MEMBER", description = "The member.") String member) {
        JsonNode removing = api().delete(path(name) + "/members/" + ApiClient.segment(member));
        printLine(member + ": " + removing.get("phase").asText());
    }

    @Command(name = "user", description = {
        "Add, remove and list the people of a constellation.",
        "They sign in to its members' desktops with a domain account of their own name and alone may open"
                + " tunnels to them (the owner is one):",
        "  user add CONSTELLATION USER...   add Asterism users (the owner only).",
        "  user remove CONSTELLATION USER   remove one: tunnels close, sessions end, the account goes.",
        "  user list CONSTELLATION          who they are, and whether each has set a desktop password."})
    void user(
            @Parameters(index = "0", paramLabel = "add|remove|list", description = "What to do.") String action,
            @Parameters(index = "1", paramLabel = "CONSTELLATION", description = "The constellation.") String name,
            @Parameters(index = "2..*", paramLabel = "USER", description = "Asterism users.") List<String> users,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        List<String> given = users == null ? List.of() : users;
        switch (action) {
            case "add" -> {
                if (given.isEmpty()) {
                    throw new CommandFailure(ExitStatus.USAGE, "name at least one user to add");
                }
                api().post(path(name) + "/people", Map.of("usernames", given));
                printLine("adding " + String.join(", ", given) + " to " + name + "; each sets a desktop password with"
                        + " `asterism constellation password " + name + "`");
            }
            case "remove" -> {
                if (given.size() != 1) {
                    throw new CommandFailure(ExitStatus.USAGE, "name exactly one user to remove");
                }
                JsonNode removing = api().delete(path(name) + "/people/" + ApiClient.segment(given.getFirst()));
                printLine(given.getFirst() + ": " + removing.get("state").asText()
                        + " (tunnels closed; sessions end and the account goes)");
            }
            case "list" -> {
                if (!given.isEmpty()) {
                    throw new CommandFailure(ExitStatus.USAGE, "user list takes only the constellation");
                }
                JsonNode people = api().get(path(name) + "/people");
                if (asJson) {
                    printJson(people);
                    return;
                }
                Table table = Table.withHeaders("USER", "STATE", "PASSWORD", "CONDITION");
                people.forEach(person -> table.row(person.get("username").asText(), person.get("state").asText(),
                        person.get("passwordSet").asBoolean() ? "set" : "not set", text(person, "condition")));
                table.print(out(), "no people");
            }
            default -> throw new CommandFailure(ExitStatus.USAGE, "user takes add, remove or list, not '" + action
                    + "'");
        }
    }

    @Command(name = "password", description = {
        "Set your own desktop password in a constellation's domain (you must be one of its people).",
        "It comes from " + Passwords.DESKTOP_VARIABLE + ", else the terminal (typed twice, not echoed), else one line"
                + " of standard input; the server passes it to the controller and keeps it nowhere."})
    void password(@Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name) {
        String password = new Passwords(root.environment()).forDesktop(name);
        api().put(path(name) + "/password", Map.of("password", password));
        printLine("desktop password set in " + name + "; sign in to its members' desktops with it");
    }

    @Command(name = "destroy", description = "Destroy a constellation: its members, then the controlling VM.")
    void destroy(@Parameters(paramLabel = "CONSTELLATION", description = "The constellation.") String name) {
        JsonNode destroying = api().delete(path(name));
        printLine(name + ": " + destroying.get("state").asText());
    }

    /** One block: the constellation's state, then a bar per member. */
    static String render(JsonNode constellation, Instant now) {
        StringBuilder frame = new StringBuilder();
        frame.append(constellation.get("name").asText()).append(": ").append(constellation.get("state").asText());
        String reason = text(constellation, "reason");
        if (!reason.equals("-")) {
            frame.append(" (").append(reason).append(')');
        }
        frame.append('\n');
        for (JsonNode member : constellation.get("members")) {
            String phase = member.get("phase").asText();
            int done = ONBOARDING.indexOf(phase) + 1;
            int filled = phase.equals("READY") ? BAR_WIDTH : done <= 0 ? 0 : BAR_WIDTH * (done - 1) / ONBOARDING.size();
            char[] bar = new char[BAR_WIDTH];
            Arrays.fill(bar, 0, filled, '#');
            Arrays.fill(bar, filled, BAR_WIDTH, '.');
            Duration inPhase = Duration.between(Instant.parse(member.get("phaseStartedAt").asText()), now);
            frame.append(String.format("  %-15s [%s] %-14s %6s", member.get("name").asText(), new String(bar), phase,
                    Durations.format(inPhase.isNegative() ? Duration.ZERO : inPhase)));
            String condition = text(member, "condition");
            if (!condition.equals("-")) {
                frame.append("  ").append(condition);
            }
            frame.append('\n');
        }
        return frame.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? "-" : value.asText();
    }

    private static String path(String name) {
        return "/constellations/" + ApiClient.segment(name);
    }
}
