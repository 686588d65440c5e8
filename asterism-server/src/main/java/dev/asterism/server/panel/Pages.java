package dev.asterism.server.panel;

import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditVerification;
import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.HardwareProfile;
import dev.asterism.core.catalog.Image;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.ConstellationBatch;
import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.constellation.PersonState;
import dev.asterism.core.permission.BrickGrant;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.Usage;
import dev.asterism.core.team.TeamService;
import dev.asterism.core.store.CredentialRepository.SessionOwner;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.Vm;
import dev.asterism.server.tunnel.TunnelRelay;
import dev.asterism.spi.guest.ClipboardRule;
import java.util.List;
import java.util.Map;

/** The panel's pages: every value goes through {@link Html}, so nothing a user typed becomes markup. */
final class Pages {

    /** What the Connect dialog shows for a member: the target, or why there is none. */
    record Connect(String member, TunnelRelay.Target target, String refusal) {
        static Connect of(TunnelRelay.Target target) {
            return new Connect(target.member(), target, null);
        }
    }

    Html login(String error, String username) {
        return Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Sign in · Asterism</title><link rel="stylesheet" href="/ui/static/panel.css"></head>
                <body><main class="narrow"><h1>Asterism</h1>
                <form method="post" action="/ui/login" class="stack">
                {}
                <label for="username">User name</label>
                <input id="username" name="username" autocomplete="username" required value="{}">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form></main></body></html>""",
                error == null ? Html.empty() : Html.of("<p class=\"error\" role=\"alert\">{}</p>", error), username);
    }

    Html message(SessionOwner session, String title, String text) {
        return layout(session, title, Html.of("<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>"
                + "<p><a href=\"/ui/constellations\">Back to the constellations</a></p>", title, text));
    }

    Html constellations(SessionOwner session, List<Constellation> all, List<Brick> controllers,
            List<String> projects, Map<String, String> errors, Map<String, String> values) {
        Html rows = Html.each(all, c -> Html.of("""
                <tr><td><a href="/ui/constellations/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>
                <td>{}</td></tr>""", c.name(), c.name(), c.project(), c.state().name(), c.domain(), c.owner(),
                c.reason()));
        Html form = Html.of("""
                <h2>New constellation</h2>
                <form method="post" action="/ui/constellations" class="stack">{}
                {}{}{}
                <label for="joinMode">Join mode</label>
                <select id="joinMode" name="joinMode"><option value="ports">ports (a join-port lease for each joining VM, as in tiCrypt)</option>
                <option value="vpn-first">vpn-first (no join port is ever opened)</option></select>
                {}<button type="submit">Create</button></form>""", csrf(session),
                input("name", "Name", values, errors, "required"),
                select("brick", "Controller brick", controllers.stream().map(Brick::name).toList(), values, errors),
                select("project", "Project", projects, values, errors), clipboardSelect(values, errors));
        return layout(session, "Constellations", Html.of("""
                <h1>Constellations</h1>
                <div class="scroll"><table><caption>Your constellations</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Project</th><th scope="col">State</th>
                <th scope="col">Domain</th><th scope="col">Owner</th><th scope="col">Reason</th></tr></thead>
                <tbody>{}</tbody></table></div>{}""",
                all.isEmpty() ? Html.of("<tr><td colspan=\"6\">none yet</td></tr>") : rows, form));
    }

    /**
     * What the signed-in user is to a constellation's people.
     *
     * @param people the constellation's people
     * @param self the signed-in user as one of them, or null when they are not
     * @param owner whether the signed-in user owns it (and so adds and removes people)
     */
    record PeopleView(List<Person> people, Person self, boolean owner) {
        boolean mayConnect() {
            return self != null && self.mayConnect();
        }
    }

    /**
     * The batch scheduler's answer for the constellation page.
     *
     * @param status what it said, or null when it could not be asked
     * @param error why it could not be asked, or null
     */
    record BatchView(ConstellationBatch.Status status, String error) {}

    Html constellation(SessionOwner session, ConstellationService.View view, PeopleView people,
            Map<String, String> underlays, List<Brick> workers, List<HardwareProfile> profiles,
            Map<String, String> errors, Map<String, String> values, Connect connect, BatchView batch) {
        Constellation c = view.constellation();
        Html summary = Html.of("""
                <h1>Constellation {}</h1>
                <dl class="facts"><dt>State</dt><dd id="state">{}</dd><dt>Reason</dt><dd id="reason">{}</dd>
                <dt>Domain</dt><dd>{}</dd><dt>Controlling VM</dt><dd>{} ({}; underlay {})</dd>
                <dt>Overlay</dt><dd>{} (hub 10.77.0.1)</dd><dt>Join mode</dt><dd>{}</dd><dt>Owner</dt><dd>{}</dd>
                <dt>Clipboard</dt><dd id="clipboard-rule">{}</dd></dl>""",
                c.name(), c.state().name(), c.reason(), c.domain(), c.controllerVm(), c.controllerBrick(),
                underlays.getOrDefault(c.controllerVm(), "-"), c.overlaySubnet(), WireNames.of(c.joinMode()),
                c.owner(), CLIPBOARD_RULES.get(c.clipboard()));
        Map<String, String> chosen = new java.util.HashMap<>(values);
        chosen.putIfAbsent("clipboard", c.clipboard().wireName());
        Html clipboard = Html.of("""
                <h2 id="clipboard">Clipboard</h2>
                <p>Which way copy and paste work between the members' desktops and the computer a person sits at. The
                members' desktops enforce it, whatever client connects; a session that started before a change keeps
                its rule until it ends.</p>
                <form method="post" action="/ui/constellations/{}/clipboard" class="stack" id="set-clipboard">{}
                {}<button type="submit">Set clipboard rule</button></form>""", c.name(), csrf(session),
                clipboardSelect(chosen, errors));
        Html add = Html.of("""
                <h2>Add VMs</h2>
                <form method="post" action="/ui/constellations/{}/members" class="stack" id="add-members">{}
                {}{}{}{}<button type="submit">Add</button></form>""", c.name(), csrf(session),
                select("brick", "Worker brick", workers.stream().map(Brick::name).toList(), values, errors),
                select("profile", "Hardware profile (empty: the brick's)",
                        prepend("", profiles.stream().map(HardwareProfile::name).toList()), values, errors),
                input("count", "How many (named w1, w2, ...)", values, errors, "inputmode=\"numeric\""),
                input("names", "Or names, separated by commas", values, errors, ""));
        Html danger = Html.of("""
                <h2>Destroy</h2><p><a class="danger" href="/ui/constellations/{}/destroy">Destroy constellation {}…</a>
                </p>""", c.name(), c.name());
        return layout(session, "Constellation " + c.name(), Html.of("""
                {}<h2>Members</h2><p id="live-status" class="muted" aria-live="polite">updates live</p>
                <div id="members" data-live="/ui/constellations/{}/live">{}</div>{}{}{}{}{}""", summary, c.name(),
                members(view, underlays, session.csrfToken(), people.mayConnect()),
                connect == null ? Html.empty() : connect(c, connect), people(session, c, people, errors, values),
                batch == null ? Html.empty() : batch(c, batch), Html.of("{}{}", add, clipboard), danger));
    }

    private static final Map<ClipboardRule, String> CLIPBOARD_RULES = Map.of(
            ClipboardRule.OFF, "off: nothing is copied either way",
            ClipboardRule.TO_DESKTOP, "to-desktop: pasting into the desktops only",
            ClipboardRule.FROM_DESKTOP, "from-desktop: copying out of the desktops only",
            ClipboardRule.BOTH, "both: copy and paste both ways");

    private static Html clipboardSelect(Map<String, String> values, Map<String, String> errors) {
        return select("clipboard", "Clipboard (off: nothing leaves or enters through it)",
                java.util.Arrays.stream(ClipboardRule.values()).map(ClipboardRule::wireName).toList(), values, errors);
    }

    /** The Batch jobs section: Slurm's nodes (the members) and its queue, as read when the page was made. */
    private Html batch(Constellation c, BatchView batch) {
        Html intro = Html.of("""
                <h2 id="batch">Batch jobs</h2>
                <p>The Linux members are the nodes of a Slurm cluster: its people submit jobs with <code>sbatch</code>
                or <code>srun</code> on any member, signed in with their domain account. Read when this page was
                made.</p>""");
        if (batch.status() == null) {
            return Html.of("{}<p class=\"error\" role=\"status\" id=\"batch-note\">{}</p>", intro, batch.error());
        }
        ConstellationBatch.Status status = batch.status();
        Html note = Html.when(!status.note().isEmpty(), Html.of("<p class=\"muted\" id=\"batch-note\">{}</p>",
                status.note()));
        if (!status.scheduler()) {
            return Html.of("{}{}", intro, note);
        }
        Html nodes = Html.each(status.nodes(), node -> Html.of("""
                <tr data-node="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>""", node.name(),
                node.name(), node.state(), node.cpus(), node.reason()));
        Html jobs = Html.each(status.jobs(), job -> Html.of("""
                <tr data-job="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>""",
                job.id(), job.id(), job.user(), job.name(), job.state(), job.nodes(), job.reason()));
        return Html.of("""
                {}<div class="scroll"><table id="batch-nodes"><caption>Slurm nodes of {}</caption><thead><tr>
                <th scope="col">Node</th><th scope="col">State</th><th scope="col">CPUs</th><th scope="col">Reason</th>
                </tr></thead><tbody>{}</tbody></table></div>
                <div class="scroll"><table id="batch-jobs"><caption>Jobs queued or running</caption><thead><tr>
                <th scope="col">Job</th><th scope="col">User</th><th scope="col">Name</th><th scope="col">State</th>
                <th scope="col">Nodes</th><th scope="col">Reason</th></tr></thead><tbody>{}</tbody></table></div>{}""",
                intro, c.name(),
                status.nodes().isEmpty() ? Html.of("<tr><td colspan=\"4\">no nodes yet</td></tr>") : nodes,
                status.jobs().isEmpty() ? Html.of("<tr><td colspan=\"6\">none</td></tr>") : jobs, note);
    }

    /** The People section: who works here, the owner's add and remove, and the signed-in person's password. */
    private Html people(SessionOwner session, Constellation c, PeopleView people, Map<String, String> errors,
            Map<String, String> values) {
        Html rows = Html.each(people.people(), person -> Html.of("""
                <tr data-person="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td class="actions">{}</td>
                </tr>""", person.username(), person.username(), person.state().name(), person.condition(),
                person.passwordSet() ? "set" : "not set yet",
                Html.when(people.owner() && !person.username().equals(c.owner()), Html.of("""
                        <form method="post" action="/ui/constellations/{}/people/{}/remove"
                        data-confirm="Remove {} from {}? Their account and sessions end."><input type="hidden"
                        name="csrf" value="{}"><button type="submit">Remove</button></form>""", c.name(),
                        person.username(), person.username(), c.name(), session.csrfToken()))));
        Html table = Html.of("""
                <h2 id="people">People</h2>
                <p>Each person has an account of their own name in {} and signs in to the members' desktops with it.
                Only they may open a tunnel or a desktop here.</p>
                <div class="scroll"><table><caption>People of {}</caption><thead><tr><th scope="col">User</th>
                <th scope="col">State</th><th scope="col">Condition</th><th scope="col">Desktop password</th>
                <th scope="col">Actions</th></tr></thead><tbody>{}</tbody></table></div>""", c.domain(), c.name(), rows);
        Html add = Html.when(people.owner(), Html.of("""
                <form method="post" action="/ui/constellations/{}/people" class="stack" id="add-people">{}
                {}<button type="submit">Add people</button></form>""", c.name(), csrf(session),
                input("usernames", "Asterism users to add, separated by commas", values, errors, "")));
        Html password = Html.when(people.self() != null && people.self().state() == PersonState.ACTIVE, Html.of("""
                <h3 id="password-title">Your desktop password</h3>
                <form method="post" action="/ui/constellations/{}/password" class="stack" id="set-password"
                aria-labelledby="password-title">{}
                <label for="password">New password for {} in {}</label>
                <input id="password" name="password" type="password" required autocomplete="new-password"
                aria-describedby="password-error"{}>
                <label for="confirm-password">The same again</label>
                <input id="confirm-password" name="confirmPassword" type="password" required autocomplete="new-password">
                <span class="error" id="password-error">{}</span>
                <button type="submit">Set password</button></form>{}""", c.name(), csrf(session),
                people.self() == null ? "" : people.self().username(), c.domain(),
                Html.when(errors.containsKey("password"), Html.of(" aria-invalid=\"true\"")), errors.get("password"),
                Html.when("set".equals(values.get("passwordSet")), Html.of(
                        "<p role=\"status\" id=\"password-status\">Your desktop password is set.</p>"))));
        return Html.of("{}{}{}", table, add, password);
    }

    /** The members table: what the live updates replace; Connect only for the constellation's people. */
    Html members(ConstellationService.View view, Map<String, String> underlays, String csrf, boolean mayConnect) {
        String name = view.constellation().name();
        Html rows = Html.each(view.members(), member -> Html.of("""
                <tr data-member="{}" data-phase="{}"><th scope="row">{}</th><td>{}</td><td class="phase">{}</td>
                <td>{}</td><td>{}</td><td>{}</td><td class="actions">{}{}
                <form method="post" action="/ui/constellations/{}/members/{}/remove" data-confirm="Remove member {}?">
                <input type="hidden" name="csrf" value="{}"><button type="submit">Remove</button></form></td></tr>""",
                member.name(), member.phase().name(), member.name(), member.vmName(), member.phase().name(),
                member.condition(), member.overlayAddress(), underlays.getOrDefault(member.vmName(), "-"),
                Html.when(mayConnect && member.phase() == MemberPhase.READY, Html.of("""
                        <a class="button" href="/ui/constellations/{}?connect={}#connect">Connect</a>
                        <a class="button" href="/ui/constellations/{}/members/{}/desktop" target="_blank"
                        rel="noopener">Open desktop</a>""", name, member.name(), name, member.name())),
                Html.when(member.phase() == MemberPhase.FAILED, Html.of("""
                        <form method="post" action="/ui/constellations/{}/members/{}/retry">
                        <input type="hidden" name="csrf" value="{}"><button type="submit">Retry</button></form>""",
                        name, member.name(), csrf)),
                name, member.name(), member.name(), csrf));
        return Html.of("""
                <div class="scroll"><table><caption>Members of {}</caption><thead><tr><th scope="col">Member</th>
                <th scope="col">VM</th><th scope="col">Phase</th><th scope="col">Condition or error</th>
                <th scope="col">Overlay</th><th scope="col">Underlay</th><th scope="col">Actions</th></tr></thead>
                <tbody>{}</tbody></table></div>""", name,
                view.members().isEmpty() ? Html.of("<tr><td colspan=\"7\">no members yet</td></tr>") : rows);
    }

    private Html connect(Constellation c, Connect connect) {
        if (connect.refusal() != null) {
            return Html.of("""
                    <dialog open id="connect" aria-labelledby="connect-title"><h2 id="connect-title">Connect to {}</h2>
                    <p class="error" role="alert">{}</p><p><a href="/ui/constellations/{}">Close</a></p></dialog>""",
                    connect.member(), connect.refusal(), c.name());
        }
        return Html.of("""
                <dialog open id="connect" aria-labelledby="connect-title"><h2 id="connect-title">Connect to {}</h2>
                <p>Remote desktop goes through a tunnel: run this where your remote desktop client is, logged in with
                <code>asterism login</code>:</p>
                <pre><code id="connect-command">{}</code></pre>
                <p>then open <a href="/ui/constellations/{}/members/{}/rdp" download id="rdp-file">{}</a>, which points at
                the command's local port. Sign in as <strong id="sign-in-as">{}</strong> (domain {}) with your desktop
                password (set it under <a href="#people">People</a>).</p>
                <p><a href="/ui/constellations/{}">Close</a></p></dialog>""", connect.member(),
                connect.target().command(), c.name(), connect.member(), connect.target().rdpFileName(),
                connect.target().username(), c.domain(), c.name());
    }

    /**
     * A member's desktop in the browser, filling the window: a bar with whom to sign in as, and the RDP client,
     * which {@code desktop.js} starts with what the page's data attributes say.
     */
    Html desktop(SessionOwner session, TunnelRelay.Target target, String ticket) {
        return Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>{} · {} · Asterism desktop</title><link rel="stylesheet" href="/ui/static/panel.css">
                <script type="module" src="/ui/static/desktop.js"></script></head>
                <body class="desktop-page"><header class="desktop-bar"><strong>{}</strong>
                <span class="muted">in {}: sign in as <strong id="sign-in-as">{}</strong> (domain {}) with your
                desktop password</span><span id="desktop-status" role="status">Loading the remote desktop client…</span>
                <a href="/ui/constellations/{}">Back to {}</a></header>
                <main id="desktop" data-socket="/ui/constellations/{}/members/{}/desktop/socket" data-ticket="{}"
                data-username="{}" data-domain="{}" data-member="{}"></main></body></html>""",
                target.member(), target.constellation(), target.member(), target.constellation(), target.username(),
                target.domain(), target.constellation(), target.constellation(), target.constellation(),
                target.member(), ticket, target.username(), target.domain(), target.member());
    }

    Html confirmDestroy(SessionOwner session, Constellation c, String error) {
        return layout(session, "Destroy " + c.name(), Html.of("""
                <h1>Destroy constellation {}?</h1>
                <p>Every member is removed from the VPN and the domain, and every VM, the controller's included, is
                destroyed. This cannot be undone.</p>
                <form method="post" action="/ui/constellations/{}/destroy" class="stack">{}
                <label for="confirm">Type <strong>{}</strong> to confirm</label>
                <input id="confirm" name="confirm" required autocomplete="off" aria-describedby="confirm-error">
                <span class="error" id="confirm-error">{}</span>
                <button type="submit" class="danger">Destroy</button></form>
                <p><a href="/ui/constellations/{}">Keep it</a></p>""", c.name(), c.name(), csrf(session), c.name(),
                error, c.name()));
    }

    Html vms(SessionOwner session, List<Vm> all, List<Brick> bricks, List<String> projects,
            Map<String, String> errors, Map<String, String> values) {
        Html rows = Html.each(all, vm -> Html.of("""
                <tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>
                <td class="actions">{}</td></tr>""", vm.name(), vm.brick(), vm.state().name(), vm.realm(),
                String.join(", ", vm.addresses()), vm.reason(), Html.of("{}{}{}",
                        vmAction(session, vm, "stop"), vmAction(session, vm, "start"),
                        vmAction(session, vm, "destroy"))));
        return layout(session, "My VMs", Html.of("""
                <h1>My VMs</h1><div class="scroll"><table><caption>VMs you can see</caption><thead><tr>
                <th scope="col">Name</th><th scope="col">Brick</th><th scope="col">State</th><th scope="col">Realm</th>
                <th scope="col">Addresses</th><th scope="col">Reason</th><th scope="col">Actions</th></tr></thead>
                <tbody>{}</tbody></table></div>
                <h2>Start a VM</h2><form method="post" action="/ui/vms" class="stack">{}{}{}{}
                <button type="submit">Start</button></form>""",
                all.isEmpty() ? Html.of("<tr><td colspan=\"7\">none</td></tr>") : rows, csrf(session),
                input("name", "Name", values, errors, "required"),
                select("brick", "Brick", bricks.stream().map(Brick::name).toList(), values, errors),
                select("project", "Project", projects, values, errors)));
    }

    private Html vmAction(SessionOwner session, Vm vm, String action) {
        return Html.of("""
                <form method="post" action="/ui/vms/{}/{}"{}><input type="hidden" name="csrf" value="{}">
                <button type="submit">{}</button></form>""", vm.name(), action,
                action.equals("destroy") ? Html.of(" data-confirm=\"Destroy VM {}?\"", vm.name()) : Html.empty(),
                session.csrfToken(), action.substring(0, 1).toUpperCase() + action.substring(1));
    }

    Html catalog(SessionOwner session, List<Brick> bricks, List<HardwareProfile> profiles, List<Image> images,
            Map<String, String> errors, Map<String, String> values) {
        boolean admin = session.user().role().isAdmin();
        Html brickRows = Html.each(bricks, b -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td>"
                + "<td>{}</td>{}</tr>", b.name(), b.image(), b.profile(), WireNames.of(b.osFamily()),
                String.join(", ", b.capabilities().stream().map(WireNames::of).sorted().toList()),
                deleteCell(session, admin, "/ui/catalog/bricks/" + b.name() + "/delete", "brick " + b.name())));
        Html profileRows = Html.each(profiles, p -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>"
                + "<td>{}</td>{}</tr>", p.name(), p.vcpus(), p.memoryMib(), p.diskGib(),
                deleteCell(session, admin, "/ui/catalog/profiles/" + p.name() + "/delete", "profile " + p.name())));
        Html imageRows = Html.each(images, i -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>"
                + "<td>{}</td>{}</tr>", i.name(), WireNames.of(i.osFamily()), i.source(), i.description(),
                deleteCell(session, admin, "/ui/catalog/images/" + i.name() + "/delete", "image " + i.name())));
        Html actions = Html.when(admin, Html.of("<th scope=\"col\">Actions</th>"));
        Html forms = Html.when(admin, Html.of("""
                <h2>New hardware profile</h2><form method="post" action="/ui/catalog/profiles" class="stack">{}
                {}{}{}{}<button type="submit">Create profile</button></form>
                <h2>New image</h2><form method="post" action="/ui/catalog/images" class="stack">{}
                {}{}{}{}<button type="submit">Create image</button></form>
                <h2>New brick</h2><form method="post" action="/ui/catalog/bricks" class="stack">{}
                {}{}{}{}<button type="submit">Create brick</button></form>""",
                csrf(session), input("profiles.name", "Name", values, errors, "required"),
                input("profiles.vcpus", "vCPUs", values, errors, "inputmode=\"numeric\""),
                input("profiles.memoryMib", "Memory (MiB)", values, errors, "inputmode=\"numeric\""),
                input("profiles.diskGib", "Disk (GiB)", values, errors, "inputmode=\"numeric\""),
                csrf(session), input("images.name", "Name", values, errors, "required"),
                select("images.osFamily", "OS family", List.of("linux", "windows"), values, errors),
                input("images.source", "Source", values, errors, "required"),
                input("images.description", "Description", values, errors, ""),
                csrf(session), input("bricks.name", "Name", values, errors, "required"),
                select("bricks.image", "Image", images.stream().map(Image::name).toList(), values, errors),
                select("bricks.profile", "Hardware profile", profiles.stream().map(HardwareProfile::name).toList(),
                        values, errors),
                input("bricks.capabilities", "Capabilities (controller, worker)", values, errors, "")));
        return layout(session, "Catalog", Html.of("""
                <h1>Catalog</h1>
                <div class="scroll"><table><caption>Bricks</caption><thead><tr><th scope="col">Name</th>
                <th scope="col">Image</th><th scope="col">Profile</th><th scope="col">OS</th>
                <th scope="col">Capabilities</th>{}</tr></thead><tbody>{}</tbody></table></div>
                <div class="scroll"><table><caption>Hardware profiles</caption><thead><tr><th scope="col">Name</th>
                <th scope="col">vCPUs</th><th scope="col">Memory (MiB)</th><th scope="col">Disk (GiB)</th>{}</tr>
                </thead><tbody>{}</tbody></table></div>
                <div class="scroll"><table><caption>Images</caption><thead><tr><th scope="col">Name</th>
                <th scope="col">OS</th><th scope="col">Source</th><th scope="col">Description</th>{}</tr></thead>
                <tbody>{}</tbody></table></div>{}""", actions, brickRows, actions, profileRows, actions, imageRows,
                forms));
    }

    Html audit(SessionOwner session, List<AuditEvent> events, AuditVerification verification, String actor,
            String action) {
        Html rows = Html.each(events, e -> Html.of("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                + "<td>{}</td></tr>", e.seq(), e.time(), e.actor(), e.action(), e.target(), e.details()));
        Html result = verification.valid()
                ? Html.of("<p class=\"ok\" id=\"verification\">The audit chain is valid: {} events, none edited,"
                        + " removed, reordered or added outside the server.</p>", verification.events())
                : Html.of("<div class=\"error\" id=\"verification\" role=\"alert\"><p>The audit chain is broken:</p>"
                        + "<ul>{}</ul></div>", Html.each(verification.problems(),
                                problem -> Html.of("<li>event {}: {}</li>", problem.seq(), problem.problem())));
        if (!verification.accepted().isEmpty()) {
            result = Html.of("{}<div class=\"muted\" id=\"accepted\"><p>Problems an administrator accepted at a"
                    + " start:</p><ul>{}</ul></div>", result, Html.each(verification.accepted(),
                            problem -> Html.of("<li>event {}: {}</li>", problem.seq(), problem.problem())));
        }
        return layout(session, "Audit log", Html.of("""
                <h1>Audit log</h1>{}
                <form method="get" action="/ui/audit" class="inline"><label for="actor">Actor</label>
                <input id="actor" name="actor" value="{}"><label for="action">Action</label>
                <input id="action" name="action" value="{}" placeholder="e.g. member.phase">
                <button type="submit">Filter</button></form>
                <div class="scroll"><table><caption>Events (at most 500)</caption><thead><tr><th scope="col">#</th>
                <th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th>
                <th scope="col">Details</th></tr></thead><tbody>{}</tbody></table></div>""", result, actor, action,
                rows));
    }

    Html users(SessionOwner session, List<User> all, Map<String, List<BrickGrant>> grants,
            Map<String, String> errors, Map<String, String> values) {
        Html rows = Html.each(all, u -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>{}</tr>",
                u.username(), WireNames.of(u.role()), u.createdAt(), deleteCell(session, true,
                        "/ui/users/" + u.username() + "/delete", "user " + u.username())));
        Html grantRows = Html.each(grants.entrySet(), entry -> Html.each(entry.getValue(), grant -> Html.of(
                "<tr><td>{}</td><td>{}</td><td>{}</td>{}</tr>", grant.brick(), grant.username(),
                WireNames.of(grant.level()), deleteCell(session, true, "/ui/grants/" + grant.brick() + "/"
                        + grant.username() + "/delete", "the grant of " + grant.brick() + " to " + grant.username()))));
        return layout(session, "Users and grants", Html.of("""
                <h1>Users and grants</h1>
                <div class="scroll"><table><caption>Users</caption><thead><tr><th scope="col">Name</th>
                <th scope="col">Role</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
                <tbody>{}</tbody></table></div>
                <h2>New user</h2><form method="post" action="/ui/users" class="stack">{}{}
                <label for="password">Password (12 characters or more)</label>
                <input id="password" name="password" type="password" autocomplete="new-password" required
                aria-describedby="password-error"><span class="error" id="password-error">{}</span>
                {}<button type="submit">Create user</button></form>
                <div class="scroll"><table><caption>Grants</caption><thead><tr><th scope="col">Brick</th>
                <th scope="col">User</th><th scope="col">Level</th><th scope="col">Actions</th></tr></thead>
                <tbody>{}</tbody></table></div>
                <h2>Grant a brick</h2><form method="post" action="/ui/grants" class="stack">{}{}{}{}
                <button type="submit">Grant</button></form>""", rows, csrf(session),
                input("username", "User name", values, errors, "required"), errors.get("password"),
                select("role", "Role", List.of("user", "admin"), values, errors), grantRows, csrf(session),
                select("brick", "Brick", List.copyOf(grants.keySet()), values, errors),
                input("grantee", "User name", values, errors, "required"),
                select("level", "Level", List.of("use", "manage"), values, errors)));
    }

    Html projects(SessionOwner session, List<Project> all, List<String> levels, Map<String, String> errors,
            Map<String, String> values) {
        boolean admin = session.user().role().isAdmin();
        Html rows = Html.each(all, p -> Html.of("""
                <tr><th scope="row"><a href="/ui/projects/{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>""",
                p.name(), p.name(), p.level(), p.open() ? "everyone cleared" : "members", p.description()));
        Html form = Html.when(admin, Html.of("""
                <h2>New project</h2><form method="post" action="/ui/projects" class="stack">{}{}{}{}
                <label><input type="checkbox" name="open"> Open: everyone cleared for its level takes part</label>
                {}</form>""", csrf(session), input("name", "Name", values, errors, "required"),
                select("level", "Security level", levels, values, errors),
                input("description", "Description", values, errors, ""), quotaFields(values, errors, "Create")));
        return layout(session, "Projects", Html.of("""
                <h1>Projects</h1>
                <div class="scroll"><table><caption>Projects you take part in</caption><thead><tr>
                <th scope="col">Name</th><th scope="col">Level</th><th scope="col">Who takes part</th>
                <th scope="col">Description</th></tr></thead><tbody>{}</tbody></table></div>{}""",
                all.isEmpty() ? Html.of("<tr><td colspan=\"4\">none</td></tr>") : rows, form));
    }

    Html project(SessionOwner session, ProjectService.View view, boolean manages, List<String> teamNames,
            Map<String, String> errors, Map<String, String> values) {
        Project p = view.project();
        Quota quota = p.quota();
        Usage usage = view.usage();
        Html usageRows = Html.of("""
                <tr><th scope="row">Constellations</th><td>{}</td><td>{}</td></tr>
                <tr><th scope="row">VMs</th><td>{}</td><td>{}</td></tr>
                <tr><th scope="row">vCPUs</th><td>{}</td><td>{}</td></tr>
                <tr><th scope="row">Memory (GiB)</th><td>{}</td><td>{}</td></tr>
                <tr><th scope="row">Disk (GiB)</th><td>{}</td><td>{}</td></tr>""",
                usage.constellations(), limit(quota.constellations()), usage.vms(), limit(quota.vms()),
                usage.vcpus(), limit(quota.vcpus()), usage.memoryGib(),
                limit(quota.memoryGib()), usage.diskGib(), limit(quota.diskGib()));
        Html members = Html.each(view.members(), m -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td>{}</tr>",
                m.username(), WireNames.of(m.role()), Html.when(manages, Html.of("""
                        <td class="actions"><form method="post" action="/ui/projects/{}/members/{}/remove"
                        data-confirm="Take {} out of {}?">{}<button type="submit">Remove</button></form></td>""",
                        p.name(), m.username(), m.username(), p.name(), csrf(session)))));
        Html addMember = Html.when(manages, Html.of("""
                <h2>Add a member</h2><form method="post" action="/ui/projects/{}/members" class="stack">{}{}{}
                <button type="submit">Add</button></form>""", p.name(), csrf(session),
                input("username", "User name", values, errors, "required"),
                select("role", "Role", List.of("researcher", "manager"), values, errors)));
        Html teamRows = Html.each(view.teams(), t -> Html.of("<tr><th scope=\"row\">{}</th><td>{}</td>{}</tr>",
                t.team(), WireNames.of(t.role()), Html.when(manages, Html.of("""
                        <td class="actions"><form method="post" action="/ui/projects/{}/teams/{}/remove"
                        data-confirm="Take team {} out of {}?">{}<button type="submit">Remove</button></form></td>""",
                        p.name(), t.team(), t.team(), p.name(), csrf(session)))));
        Html addTeam = Html.when(manages, Html.of("""
                <h2>Add a team</h2><form method="post" action="/ui/projects/{}/teams" class="stack">{}{}{}
                <button type="submit">Add team</button></form>""", p.name(), csrf(session),
                select("team", "Team", teamNames, values, errors),
                select("teamRole", "Role of its members", List.of("researcher", "manager"), values, errors)));
        Map<String, String> current = new java.util.HashMap<>();
        current.put("constellations", text(quota.constellations()));
        current.put("vms", text(quota.vms()));
        current.put("vcpus", text(quota.vcpus()));
        current.put("memoryGib", text(quota.memoryGib()));
        current.put("diskGib", text(quota.diskGib()));
        current.putAll(values);
        Html quotaForm = Html.when(session.user().role().isAdmin(), Html.of("""
                <h2>Quota</h2><form method="post" action="/ui/projects/{}/quota" class="stack">{}{}</form>""",
                p.name(), csrf(session), quotaFields(current, errors, "Set quota")));
        return layout(session, "Project " + p.name(), Html.of("""
                <h1>Project {}</h1>
                <dl class="facts"><dt>Level</dt><dd>{}</dd><dt>Who takes part</dt><dd>{}</dd>
                <dt>Description</dt><dd>{}</dd></dl>
                <p><a href="/ui/projects/{}/usage.csv" download>Usage of the last 30 days (CSV)</a></p>
                <div class="scroll"><table><caption>What it holds</caption><thead><tr><th scope="col">Resource</th>
                <th scope="col">Used</th><th scope="col">Quota</th></tr></thead><tbody>{}</tbody></table></div>
                <div class="scroll"><table><caption>Members</caption><thead><tr><th scope="col">User</th>
                <th scope="col">Role</th>{}</tr></thead><tbody>{}</tbody></table></div>
                <div class="scroll"><table><caption>Teams</caption><thead><tr><th scope="col">Team</th>
                <th scope="col">Role of its members</th>{}</tr></thead><tbody>{}</tbody></table></div>{}{}{}""",
                p.name(), p.level(), p.open() ? "everyone cleared for its level, and its members" : "its members",
                p.description(), p.name(), usageRows, Html.when(manages, Html.of("<th scope=\"col\">Actions</th>")),
                view.members().isEmpty() ? Html.of("<tr><td colspan=\"3\">no named members</td></tr>") : members,
                Html.when(manages, Html.of("<th scope=\"col\">Actions</th>")),
                view.teams().isEmpty() ? Html.of("<tr><td colspan=\"3\">no teams</td></tr>") : teamRows,
                addMember, addTeam, quotaForm));
    }

    Html teams(SessionOwner session, List<TeamService.View> all, Map<String, String> errors,
            Map<String, String> values) {
        boolean admin = session.user().role().isAdmin();
        Html rows = Html.each(all, t -> Html.of("""
                <tr data-team="{}"><th scope="row">{}</th><td>{}</td><td>{}</td>{}</tr>""", t.team().name(),
                t.team().name(), t.team().description(), Html.each(t.members(), member -> Html.of("""
                        <span class="member">{}{}</span> """, member, Html.when(admin, Html.of("""
                        <form method="post" action="/ui/teams/{}/members/{}/remove" class="inline"
                        data-confirm="Take {} out of team {}?">{}<button type="submit">Remove</button></form>""",
                        t.team().name(), member, member, t.team().name(), csrf(session))))),
                Html.when(admin, Html.of("""
                        <td class="actions"><form method="post" action="/ui/teams/{}/members" class="inline">{}
                        <label for="username-{}">Add a user to {}</label><input id="username-{}" name="username"
                        required><button type="submit">Add</button><span class="error">{}</span></form></td>""",
                        t.team().name(), csrf(session), t.team().name(), t.team().name(), t.team().name(),
                        errors.get("username-" + t.team().name())))));
        Html form = Html.when(admin, Html.of("""
                <h2>New team</h2><form method="post" action="/ui/teams" class="stack">{}{}{}
                <button type="submit">Create team</button></form>""", csrf(session),
                input("name", "Name", values, errors, "required"),
                input("description", "Description", values, errors, "")));
        return layout(session, "Teams", Html.of("""
                <h1>Teams</h1>
                <div class="scroll"><table><caption>Teams</caption><thead><tr><th scope="col">Name</th>
                <th scope="col">Description</th><th scope="col">Members</th>{}</tr></thead><tbody>{}</tbody></table>
                </div>{}""", Html.when(admin, Html.of("<th scope=\"col\">Actions</th>")),
                all.isEmpty() ? Html.of("<tr><td colspan=\"4\">none</td></tr>") : rows, form));
    }

    private static Html quotaFields(Map<String, String> values, Map<String, String> errors, String button) {
        return Html.of("""
                <fieldset><legend>Quota (empty: no limit)</legend>{}{}{}{}{}</fieldset>
                <button type="submit">{}</button>""",
                input("constellations", "Constellations", values, errors, "inputmode=\"numeric\""),
                input("vms", "VMs", values, errors, "inputmode=\"numeric\""),
                input("vcpus", "vCPUs", values, errors, "inputmode=\"numeric\""),
                input("memoryGib", "Memory (GiB)", values, errors, "inputmode=\"numeric\""),
                input("diskGib", "Disk (GiB)", values, errors, "inputmode=\"numeric\""), button);
    }

    private static String limit(Integer value) {
        return value == null ? "no limit" : value.toString();
    }

    private static String text(Integer value) {
        return value == null ? "" : value.toString();
    }

    private Html layout(SessionOwner session, String title, Html content) {
        boolean admin = session.user().role().isAdmin();
        return Html.of("""
                <!doctype html><html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>{} · Asterism</title><link rel="stylesheet" href="/ui/static/panel.css">
                <script src="/ui/static/panel.js" defer></script></head>
                <body><a class="skip" href="#main">Skip to content</a>
                <header><nav aria-label="Main"><a href="/ui/constellations">Constellations</a>
                <a href="/ui/vms">My VMs</a><a href="/ui/projects">Projects</a><a href="/ui/teams">Teams</a>
                <a href="/ui/catalog">Catalog</a>{}</nav>
                <form method="post" action="/ui/logout" class="inline">{}<span class="muted">{}</span>
                <button type="submit">Sign out</button></form></header>
                <main id="main">{}</main></body></html>""", title,
                Html.when(admin, Html.of("<a href=\"/ui/audit\">Audit</a><a href=\"/ui/users\">Users</a>")),
                csrf(session), session.user().username(), content);
    }

    /** A cell with a form that deletes something after a confirmation, for admins; nothing for others. */
    private static Html deleteCell(SessionOwner session, boolean shown, String action, String what) {
        return Html.when(shown, Html.of("""
                <td class="actions"><form method="post" action="{}" data-confirm="Delete {}?">{}
                <button type="submit">Delete</button></form></td>""", action, what, csrf(session)));
    }

    private static Html csrf(SessionOwner session) {
        return Html.of("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", session.csrfToken());
    }

    private static Html input(String name, String label, Map<String, String> values, Map<String, String> errors,
            String attributes) {
        String id = name.replace('.', '-');
        return Html.of("""
                <label for="{}">{}</label>
                <input id="{}" name="{}" value="{}" aria-describedby="{}-error"{}{}{}>
                <span class="error" id="{}-error">{}</span>""", id, label, id, field(name), values.get(name), id,
                attributes.isEmpty() ? Html.empty() : Html.of(" "), attributesOf(attributes),
                Html.when(errors.containsKey(name), Html.of(" aria-invalid=\"true\"")), id, errors.get(name));
    }

    private static Html select(String name, String label, List<String> options, Map<String, String> values,
            Map<String, String> errors) {
        String id = name.replace('.', '-');
        String chosen = values.get(name);
        return Html.of("""
                <label for="{}">{}</label>
                <select id="{}" name="{}" aria-describedby="{}-error">{}</select>
                <span class="error" id="{}-error">{}</span>""", id, label, id, field(name), id,
                Html.each(options, option -> Html.of("<option value=\"{}\"{}>{}</option>", option,
                        Html.when(option.equals(chosen), Html.of(" selected")), option.isEmpty() ? "—" : option)),
                id, errors.get(name));
    }

    /** A form field's own name: catalog forms prefix theirs with the kind, for their error messages. */
    private static String field(String name) {
        return name.contains(".") ? name.substring(name.indexOf('.') + 1) : name;
    }

    /** Attribute text written in this class (never user input), as markup. */
    private static Html attributesOf(String attributes) {
        return switch (attributes) {
            case "" -> Html.empty();
            case "required" -> Html.of("required");
            case "inputmode=\"numeric\"" -> Html.of("inputmode=\"numeric\"");
            default -> throw new IllegalArgumentException("unknown attributes: " + attributes);
        };
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
