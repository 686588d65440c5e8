package dev.asterism.server.panel;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditService;
import dev.asterism.core.audit.AuditVerification;
import dev.asterism.core.auth.AuthService;
import dev.asterism.core.auth.Secrets;
import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.CatalogService;
import dev.asterism.core.constellation.Constellation;
import dev.asterism.core.constellation.ConstellationBatch;
import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.constellation.Person;
import dev.asterism.core.constellation.ConstellationState;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.SecurityLevel;
import dev.asterism.core.project.UsageRecord;
import dev.asterism.core.store.CredentialRepository.SessionOwner;
import dev.asterism.core.team.TeamService;
import dev.asterism.core.user.User;
import dev.asterism.core.user.UserService;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.Vm;
import dev.asterism.core.vm.VmService;
import dev.asterism.server.http.ClientAddresses;
import dev.asterism.server.http.ErrorResponses;
import dev.asterism.server.http.RequestAuthenticator;
import dev.asterism.server.tunnel.TunnelRelay;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The web panel under {@value #ROOT}: server-rendered pages over the same services as the REST API, with the
 * browser session of {@code POST /auth/login}. Plain forms do every change (so the panel works by keyboard and
 * without script); {@code panel.js} adds live progress through server-sent events and confirmations. Every value
 * reaches the page through {@link Html}, escaped; every form carries the session's CSRF token; the pages' content
 * security policy allows only the panel's own script and style.
 */
public final class Panel {
    public static final String ROOT = "/ui";
    /** The panel's content security policy: nothing inline, nothing from elsewhere. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    /** The desktop page's: the panel's, with WebAssembly allowed to compile (its RDP client is WebAssembly). */
    public static final String DESKTOP_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self';",
            "script-src 'self' 'wasm-unsafe-eval';");

    private static final String SESSION = "asterism.panel.session";

    private final AuthService auth;
    private final ClientAddresses addresses;
    private final UserService users;
    private final CatalogService catalog;
    private final ProjectService projects;
    private final TeamService teams;
    private final VmService vms;
    private final AuditService audit;
    private final ConstellationService constellations;
    private final ConstellationPeople people;
    private final ConstellationBatch batch;
    private final TunnelRelay tunnels;
    private final Clock clock;
    private final Pages pages = new Pages();

    public Panel(AuthService auth, UserService users, CatalogService catalog, ProjectService projects,
            TeamService teams, VmService vms, AuditService audit,
            ConstellationService constellations, ConstellationPeople people, ConstellationBatch batch,
            TunnelRelay tunnels, Clock clock, ClientAddresses addresses) {
        this.batch = requireNonNull(batch, "batch is null");
        this.auth = requireNonNull(auth, "auth is null");
        this.addresses = requireNonNull(addresses, "addresses is null");
        this.users = requireNonNull(users, "users is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.projects = requireNonNull(projects, "projects is null");
        this.teams = requireNonNull(teams, "teams is null");
        this.vms = requireNonNull(vms, "vms is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.constellations = requireNonNull(constellations, "constellations is null");
        this.people = requireNonNull(people, "people is null");
        this.tunnels = requireNonNull(tunnels, "tunnels is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public void install(Javalin app) {
        app.get("/", context -> context.redirect(ROOT + "/constellations"));
        app.get(ROOT, context -> context.redirect(ROOT + "/constellations"));
        app.get(ROOT + "/static/panel.css", context -> asset(context, "panel.css", "text/css"));
        app.get(ROOT + "/static/panel.js", context -> asset(context, "panel.js", "text/javascript"));
        app.get(ROOT + "/static/desktop.js", context -> asset(context, "desktop.js", "text/javascript"));
        app.get(ROOT + "/static/desktop/{file}", Panel::desktopClient);
        app.get(ROOT + "/login", context -> context.html(pages.login(null, "").toString()));
        app.post(ROOT + "/login", this::login);
        app.post(ROOT + "/logout", signedIn(this::logout));
        app.get(ROOT + "/constellations", signedIn(context -> listConstellations(context, Map.of(), Map.of())));
        app.post(ROOT + "/constellations", signedIn(this::createConstellation));
        app.get(ROOT + "/constellations/{name}", signedIn(context -> showConstellation(context, Map.of(), Map.of())));
        app.get(ROOT + "/constellations/{name}/live", signedIn(this::live));
        app.post(ROOT + "/constellations/{name}/members", signedIn(this::addMembers));
        app.post(ROOT + "/constellations/{name}/members/{member}/remove", signedIn(this::removeMember));
        app.post(ROOT + "/constellations/{name}/members/{member}/retry", signedIn(this::retryMember));
        app.get(ROOT + "/constellations/{name}/members/{member}/rdp", signedIn(this::rdpFile));
        app.get(ROOT + "/constellations/{name}/members/{member}/desktop", signedIn(this::desktop));
        app.post(ROOT + "/constellations/{name}/people", signedIn(this::addPeople));
        app.post(ROOT + "/constellations/{name}/people/{username}/remove", signedIn(this::removePerson));
        app.post(ROOT + "/constellations/{name}/password", signedIn(this::setPassword));
        app.post(ROOT + "/constellations/{name}/clipboard", signedIn(this::setClipboard));
        app.get(ROOT + "/constellations/{name}/destroy", signedIn(this::confirmDestroy));
        app.post(ROOT + "/constellations/{name}/destroy", signedIn(this::destroy));
        app.get(ROOT + "/vms", signedIn(context -> listVms(context, Map.of(), Map.of())));
        app.post(ROOT + "/vms", signedIn(this::startVm));
        app.post(ROOT + "/vms/{name}/{action}", signedIn(this::changeVm));
        app.get(ROOT + "/catalog", signedIn(context -> showCatalog(context, Map.of(), Map.of())));
        app.post(ROOT + "/catalog/{kind}", signedIn(this::createInCatalog));
        app.post(ROOT + "/catalog/{kind}/{name}/delete", signedIn(this::deleteFromCatalog));
        app.get(ROOT + "/projects", signedIn(context -> listProjects(context, Map.of(), Map.of())));
        app.post(ROOT + "/projects", signedIn(this::createProject));
        app.get(ROOT + "/projects/{name}", signedIn(context -> showProject(context, Map.of(), Map.of())));
        app.post(ROOT + "/projects/{name}/members", signedIn(this::putProjectMember));
        app.post(ROOT + "/projects/{name}/members/{username}/remove", signedIn(this::removeProjectMember));
        app.post(ROOT + "/projects/{name}/quota", signedIn(this::setQuota));
        app.post(ROOT + "/projects/{name}/teams", signedIn(this::putProjectTeam));
        app.post(ROOT + "/projects/{name}/teams/{team}/remove", signedIn(this::removeProjectTeam));
        app.get(ROOT + "/teams", signedIn(context -> listTeams(context, Map.of(), Map.of())));
        app.post(ROOT + "/teams", signedIn(this::createTeam));
        app.post(ROOT + "/teams/{name}/members", signedIn(this::putTeamMember));
        app.post(ROOT + "/teams/{name}/members/{username}/remove", signedIn(this::removeTeamMember));
        app.get(ROOT + "/projects/{name}/usage.csv", signedIn(this::usageCsv));
        app.get(ROOT + "/audit", signedIn(this::showAudit));
        app.get(ROOT + "/users", signedIn(context -> listUsers(context, Map.of(), Map.of())));
        app.post(ROOT + "/users", signedIn(this::createUser));
        app.post(ROOT + "/users/{username}/delete", signedIn(this::deleteUser));
        app.post(ROOT + "/grants", signedIn(this::putGrant));
        app.post(ROOT + "/grants/{brick}/{username}/delete", signedIn(this::deleteGrant));
    }

    // ---- sessions -----------------------------------------------------------------------------------------------

    /** Runs a handler for a signed-in user (else to the login page), checking the CSRF token of every POST. */
    private Handler signedIn(Handler handler) {
        return context -> {
            String sessionId = context.cookie(RequestAuthenticator.SESSION_COOKIE);
            Optional<SessionOwner> session = sessionId == null ? Optional.empty() : auth.session(sessionId);
            if (session.isEmpty()) {
                if (context.method().name().equals("GET") && !context.path().endsWith("/live")) {
                    context.redirect(ROOT + "/login");
                } else {
                    context.status(401).html(pages.login("Your session has ended: sign in again.", "").toString());
                }
                return;
            }
            if (context.method().name().equals("POST")) {
                String presented = context.formParam("csrf");
                if (presented == null || !Secrets.constantTimeEquals(presented, session.get().csrfToken())) {
                    context.status(403).html(pages.message(session.get(), "Forbidden", "The form's security token"
                            + " is missing or old: go back, reload the page and try again.").toString());
                    return;
                }
            }
            context.attribute(SESSION, session.get());
            try {
                handler.handle(context);
            } catch (AsterismException refused) {
                context.status(status(refused.code())).html(pages.message(session.get(), "Not done",
                        refused.getMessage()).toString());
            }
        };
    }

    private static SessionOwner session(Context context) {
        return context.attribute(SESSION);
    }

    private static User caller(Context context) {
        return session(context).user();
    }

    private void login(Context context) {
        String username = Optional.ofNullable(context.formParam("username")).orElse("");
        if (!fromThisSite(context)) {
            // Another site's page posting this form would sign the visitor in as the attacker (login CSRF).
            context.status(403).html(pages.login("This sign-in came from another site: sign in on this page.", "")
                    .toString());
            return;
        }
        try {
            AuthService.NewSession session = auth.createSession(username,
                    Optional.ofNullable(context.formParam("password")).orElse(""), addresses.of(context));
            RequestAuthenticator.setSessionCookie(context, session.sessionId(), session.expiresAt(), clock.instant());
            context.redirect(ROOT + "/constellations", io.javalin.http.HttpStatus.SEE_OTHER);
        } catch (AsterismException refused) {
            context.status(status(refused.code())).html(pages.login(refused.getMessage(), username).toString());
        }
    }

    /**
     * Whether a browser's POST comes from a page of this server: its Origin (or, without one, its Referer) is this
     * server's own. A request with neither is no browser's cross-site form, and passes.
     */
    static boolean fromThisSite(Context context) {
        String source = Optional.ofNullable(context.header("Origin")).orElse(context.header("Referer"));
        if (source == null) {
            return true;
        }
        String own = context.scheme() + "://" + context.host();
        return source.equals(own) || source.startsWith(own + "/");
    }

    private void logout(Context context) {
        auth.logout(caller(context), context.cookie(RequestAuthenticator.SESSION_COOKIE));
        RequestAuthenticator.clearSessionCookie(context);
        context.redirect(ROOT + "/login", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    // ---- constellations -----------------------------------------------------------------------------------------

    private void listConstellations(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        List<Constellation> all = constellations.list(caller);
        context.status(errors.isEmpty() ? 200 : 422).html(pages.constellations(session(context), all,
                bricksWith(caller, "controller"), projectNames(caller), errors, values).toString());
    }

    private void createConstellation(Context context) {
        Map<String, String> values = form(context, "name", "brick", "joinMode", "project", "clipboard");
        try {
            constellations.create(caller(context), values.get("name"), values.get("brick"), values.get("joinMode"),
                    blankToNull(values.get("project")), blankToNull(values.get("clipboard")));
            redirectTo(context, "/constellations/" + values.get("name"));
        } catch (AsterismException refused) {
            listConstellations(context, fieldErrors(refused, "name"), values);
        }
    }

    private void showConstellation(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        ConstellationService.View view = constellations.show(caller, context.pathParam("name"));
        Pages.Connect connect = null;
        String member = context.queryParam("connect");
        if (member != null) {
            try {
                connect = Pages.Connect.of(tunnels.authorize(caller, view.constellation().name(), member, 3389));
            } catch (AsterismException refused) {
                connect = new Pages.Connect(member, null, refused.getMessage());
            }
        }
        context.status(errors.isEmpty() ? 200 : 422).html(pages.constellation(session(context), view,
                peopleView(caller, view.constellation()), underlays(caller), bricksWith(caller, "worker"),
                catalog.profiles(caller), errors, values, connect, batchView(caller, view.constellation()))
                .toString());
    }

    /** The batch scheduler as it answers now, read once per page; none before the constellation is ACTIVE. */
    private Pages.BatchView batchView(User caller, Constellation constellation) {
        if (constellation.state() != ConstellationState.ACTIVE) {
            return null;
        }
        try {
            return new Pages.BatchView(batch.status(caller, constellation.name()), null);
        } catch (AsterismException unanswered) {
            return new Pages.BatchView(null, unanswered.getMessage());
        }
    }

    private Pages.PeopleView peopleView(User caller, Constellation constellation) {
        List<Person> all = people.list(caller, constellation.name());
        Person self = all.stream().filter(person -> person.username().equals(caller.username())).findFirst()
                .orElse(null);
        return new Pages.PeopleView(all, self, constellation.owner().equals(caller.username()));
    }

    private void addPeople(Context context) {
        Map<String, String> values = form(context, "usernames");
        List<String> names = Arrays.stream(values.get("usernames").split("[,\\s]+")).filter(part -> !part.isBlank())
                .toList();
        try {
            people.add(caller(context), context.pathParam("name"), names);
            redirectTo(context, "/constellations/" + context.pathParam("name") + "#people");
        } catch (AsterismException refused) {
            showConstellation(context, fieldErrors(refused, "usernames"), values);
        }
    }

    private void setClipboard(Context context) {
        Map<String, String> values = form(context, "clipboard");
        try {
            constellations.setClipboard(caller(context), context.pathParam("name"), values.get("clipboard"));
            redirectTo(context, "/constellations/" + context.pathParam("name") + "#clipboard");
        } catch (AsterismException refused) {
            showConstellation(context, fieldErrors(refused, "clipboard"), values);
        }
    }

    private void removePerson(Context context) {
        String name = context.pathParam("name");
        String username = context.pathParam("username");
        people.remove(caller(context), name, username);
        tunnels.closeTunnelsOf(username, name, "removed from the constellation's people");
        redirectTo(context, "/constellations/" + name + "#people");
    }

    /** The signed-in person's own desktop password; the form's values are never shown back. */
    private void setPassword(Context context) {
        Map<String, String> values = form(context, "password", "confirmPassword");
        if (!values.get("password").equals(values.get("confirmPassword"))) {
            showConstellation(context, Map.of("password", "the two passwords differ: type the same one twice"),
                    Map.of());
            return;
        }
        try {
            people.setPassword(caller(context), context.pathParam("name"), values.get("password"));
            showConstellation(context, Map.of(), Map.of("passwordSet", "set"));
        } catch (AsterismException refused) {
            showConstellation(context, Map.of("password", refused.getMessage()), Map.of());
        }
    }

    /**
     * Server-sent events: the members table, rendered, each time it changes. Ends with the page, or when the session
     * ends (signed out, expired, its user deleted), checked every few seconds.
     */
    private void live(Context context) throws Exception {
        User caller = caller(context);
        String name = context.pathParam("name");
        constellations.show(caller, name);
        String csrf = session(context).csrfToken();
        String sessionId = context.cookie(RequestAuthenticator.SESSION_COOKIE);
        new io.javalin.http.sse.SseHandler(client -> stream(client, caller, name, csrf, sessionId)).handle(context);
    }

    private void stream(SseClient client, User caller, String name, String csrf, String sessionId) {
        boolean mayConnect = constellations.mayConnect(caller, name);
        String last = null;
        int quiet = 0;
        int polls = 0;
        while (!client.terminated()) {
            if (++polls % 5 == 0) {
                Optional<SessionOwner> session = auth.session(sessionId);
                if (session.isEmpty()) {
                    return;
                }
                caller = session.get().user();
            }
            ConstellationService.View view;
            try {
                view = constellations.show(caller, name);
            } catch (AsterismException gone) {
                return;
            }
            String html = pages.members(view, underlays(caller), csrf, mayConnect).toString();
            String state = view.constellation().state().name();
            String reason = Optional.ofNullable(view.constellation().reason()).orElse("");
            String now = state + "\n" + reason + "\n" + html;
            if (!now.equals(last)) {
                client.sendEvent("message", Map.of("html", html, "state", state, "reason", reason));
                last = now;
            } else if (++quiet % 60 == 0) {
                client.sendComment("keep-alive");
            }
            if (view.constellation().state() == ConstellationState.DESTROYED) {
                return;
            }
            try {
                Thread.sleep(400);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void addMembers(Context context) {
        Map<String, String> values = form(context, "brick", "profile", "count", "names");
        Integer count = null;
        List<String> names = null;
        Map<String, String> errors = new LinkedHashMap<>();
        if (!values.get("names").isBlank()) {
            names = Arrays.stream(values.get("names").split("[,\\s]+")).filter(part -> !part.isBlank()).toList();
        } else if (!values.get("count").isBlank()) {
            try {
                count = Integer.valueOf(values.get("count").strip());
            } catch (NumberFormatException e) {
                errors.put("count", "a whole number from 1, or leave it empty and give names");
            }
        } else {
            errors.put("count", "give a count, or names");
        }
        if (errors.isEmpty()) {
            try {
                constellations.add(caller(context), context.pathParam("name"), values.get("brick"),
                        values.get("profile").isBlank() ? null : values.get("profile"), count, names);
                redirectTo(context, "/constellations/" + context.pathParam("name"));
                return;
            } catch (AsterismException refused) {
                errors = fieldErrors(refused, "brick");
            }
        }
        showConstellation(context, errors, values);
    }

    private void removeMember(Context context) {
        constellations.remove(caller(context), context.pathParam("name"), context.pathParam("member"));
        redirectTo(context, "/constellations/" + context.pathParam("name"));
    }

    private void retryMember(Context context) {
        constellations.retry(caller(context), context.pathParam("name"), context.pathParam("member"));
        redirectTo(context, "/constellations/" + context.pathParam("name"));
    }

    private void rdpFile(Context context) {
        TunnelRelay.Target target = tunnels.authorize(caller(context), context.pathParam("name"),
                context.pathParam("member"), 3389);
        context.contentType("application/x-rdp");
        context.header("Content-Disposition", "attachment; filename=\"" + target.rdpFileName() + "\"");
        context.result(target.rdpFile());
    }

    /**
     * The member's desktop in the browser: a page whose RDP client (IronRDP's, in WebAssembly) connects through the
     * desktop WebSocket with a ticket minted now, for this person and member. The page's policy differs from the
     * panel's only in allowing WebAssembly to compile.
     */
    private void desktop(Context context) {
        User caller = caller(context);
        TunnelRelay.Target target = tunnels.authorize(caller, context.pathParam("name"), context.pathParam("member"),
                3389);
        String ticket = tunnels.tickets().mint(caller.username(), target.constellation(), target.member());
        context.header("Content-Security-Policy", DESKTOP_CONTENT_SECURITY_POLICY);
        context.html(pages.desktop(session(context), target, ticket).toString());
    }

    /** The browser's RDP client, as the build put it in the server's jar; a browser may keep it for an hour. */
    private static void desktopClient(Context context) {
        String file = context.pathParam("file");
        String type = switch (file) {
            case "iron-remote-desktop.js", "iron-remote-desktop-rdp.js" -> "text/javascript; charset=utf-8";
            case "iron-remote-desktop-rdp.wasm" -> "application/wasm";
            default -> null;
        };
        if (type == null) {
            context.status(404).result("no such file");
            return;
        }
        try (InputStream in = Panel.class.getResourceAsStream("/asterism/panel/desktop/" + file)) {
            if (in == null) {
                throw new IllegalStateException(file + " is missing from the server jar: build it with Maven, which"
                        + " installs it with npm");
            }
            context.header("Cache-Control", "private, max-age=3600");
            context.contentType(type).result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void confirmDestroy(Context context) {
        ConstellationService.View view = constellations.show(caller(context), context.pathParam("name"));
        context.html(pages.confirmDestroy(session(context), view.constellation(), null).toString());
    }

    private void destroy(Context context) {
        String name = context.pathParam("name");
        Constellation constellation = constellations.show(caller(context), name).constellation();
        if (!name.equals(context.formParam("confirm"))) {
            context.status(422).html(pages.confirmDestroy(session(context), constellation,
                    "type the constellation's name to confirm").toString());
            return;
        }
        constellations.destroy(caller(context), name);
        redirectTo(context, "/constellations/" + name);
    }

    // ---- VMs, catalog, audit, users -----------------------------------------------------------------------------

    private void listVms(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        context.status(errors.isEmpty() ? 200 : 422).html(pages.vms(session(context), vms.list(caller),
                catalog.bricks(caller), projectNames(caller), errors, values).toString());
    }

    private void startVm(Context context) {
        Map<String, String> values = form(context, "name", "brick", "project");
        try {
            vms.start(caller(context), values.get("name"), values.get("brick"), null, null,
                    blankToNull(values.get("project")));
            redirectTo(context, "/vms");
        } catch (AsterismException refused) {
            listVms(context, fieldErrors(refused, "name"), values);
        }
    }

    private void changeVm(Context context) {
        User caller = caller(context);
        String name = context.pathParam("name");
        switch (context.pathParam("action")) {
            case "stop" -> vms.stop(caller, name);
            case "start" -> vms.startAgain(caller, name);
            case "destroy" -> vms.destroy(caller, name);
            default -> throw AsterismException.invalid("action", "must be stop, start or destroy");
        }
        redirectTo(context, "/vms");
    }

    private void showCatalog(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        context.status(errors.isEmpty() ? 200 : 422).html(pages.catalog(session(context), catalog.bricks(caller),
                catalog.profiles(caller), catalog.images(caller), errors, values).toString());
    }

    private void createInCatalog(Context context) {
        User caller = caller(context);
        String kind = context.pathParam("kind");
        Map<String, String> values = form(context, "name", "vcpus", "memoryMib", "diskGib", "osFamily", "source",
                "description", "image", "profile", "capabilities");
        try {
            switch (kind) {
                case "profiles" -> catalog.createProfile(caller, values.get("name"), number(values, "vcpus"),
                        number(values, "memoryMib"), number(values, "diskGib"));
                case "images" -> catalog.createImage(caller, values.get("name"), values.get("osFamily"),
                        values.get("source"), values.get("description"));
                case "bricks" -> catalog.createBrick(caller, values.get("name"), values.get("image"),
                        values.get("profile"), Arrays.stream(values.get("capabilities").split("[,\\s]+"))
                                .filter(part -> !part.isBlank()).toList());
                default -> throw AsterismException.notFound("catalog kind", kind);
            }
            redirectTo(context, "/catalog");
        } catch (AsterismException refused) {
            Map<String, String> errors = new LinkedHashMap<>();
            fieldErrors(refused, "name").forEach((field, message) -> errors.put(kind + "." + field, message));
            Map<String, String> prefixed = new LinkedHashMap<>();
            values.forEach((field, value) -> prefixed.put(kind + "." + field, value));
            showCatalog(context, errors, prefixed);
        }
    }

    private void deleteFromCatalog(Context context) {
        User caller = caller(context);
        String name = context.pathParam("name");
        switch (context.pathParam("kind")) {
            case "profiles" -> catalog.deleteProfile(caller, name);
            case "images" -> catalog.deleteImage(caller, name);
            case "bricks" -> catalog.deleteBrick(caller, name);
            default -> throw AsterismException.notFound("catalog kind", context.pathParam("kind"));
        }
        redirectTo(context, "/catalog");
    }

    private void showAudit(Context context) {
        User caller = caller(context);
        String actor = blankToNull(context.queryParam("actor"));
        String action = blankToNull(context.queryParam("action"));
        List<AuditEvent> events = audit.list(caller, null, 500, actor, action);
        AuditVerification verification = audit.verify(caller);
        context.html(pages.audit(session(context), events, verification, actor, action).toString());
    }

    private void listUsers(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        List<User> all = users.list(caller);
        Map<String, List<dev.asterism.core.permission.BrickGrant>> grants = catalog.bricks(caller).stream()
                .collect(Collectors.toMap(Brick::name, brick -> catalog.grants(caller, brick.name()),
                        (a, b) -> a, LinkedHashMap::new));
        context.status(errors.isEmpty() ? 200 : 422).html(pages.users(session(context), all, grants, errors, values)
                .toString());
    }

    private void createUser(Context context) {
        Map<String, String> values = form(context, "username", "password", "role");
        try {
            users.create(caller(context), values.get("username"), values.get("password"), values.get("role"));
            redirectTo(context, "/users");
        } catch (AsterismException refused) {
            values.put("password", "");
            listUsers(context, fieldErrors(refused, "username"), values);
        }
    }

    private void deleteUser(Context context) {
        users.delete(caller(context), context.pathParam("username"));
        redirectTo(context, "/users");
    }

    private void deleteGrant(Context context) {
        catalog.deleteGrant(caller(context), context.pathParam("brick"), context.pathParam("username"));
        redirectTo(context, "/users");
    }

    private void putGrant(Context context) {
        Map<String, String> values = form(context, "brick", "grantee", "level");
        try {
            catalog.putGrant(caller(context), values.get("brick"), values.get("grantee"), values.get("level"));
            redirectTo(context, "/users");
        } catch (AsterismException refused) {
            Map<String, String> errors = new LinkedHashMap<>();
            fieldErrors(refused, "grantee").forEach((field, message) -> errors.put(
                    field.equals("username") ? "grantee" : field, message));
            listUsers(context, errors, values);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Underlay addresses by VM name, for the VMs the caller may see. */
    private Map<String, String> underlays(User caller) {
        return vms.list(caller).stream().collect(Collectors.toMap(Vm::name,
                vm -> String.join(", ", vm.addresses()), (a, b) -> a));
    }

    // ---- projects -----------------------------------------------------------------------------------------------

    private void listProjects(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        context.status(errors.isEmpty() ? 200 : 422).html(pages.projects(session(context),
                projects.list(caller), projects.levels().stream().map(SecurityLevel::name).toList(), errors, values)
                .toString());
    }

    private void createProject(Context context) {
        Map<String, String> values = form(context, "name", "level", "description", "open", "constellations", "vms",
                "vcpus", "memoryGib", "diskGib");
        try {
            projects.create(caller(context), values.get("name"), values.get("description"), values.get("level"),
                    values.get("open").equals("on"), quota(values));
            redirectTo(context, "/projects/" + values.get("name"));
        } catch (AsterismException refused) {
            listProjects(context, quotaErrors(fieldErrors(refused, "name")), values);
        }
    }

    private static Quota quota(Map<String, String> values) {
        return new Quota(number(values, "constellations"), number(values, "vms"), number(values, "vcpus"),
                number(values, "memoryGib"), number(values, "diskGib"));
    }

    private void showProject(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        ProjectService.View view = projects.show(caller, context.pathParam("name"));
        // Managers through a team manage as named ones do.
        boolean manages = projects.manages(caller, view.project().name());
        List<String> teamNames = teams.list(caller).stream().map(dev.asterism.core.team.Team::name).toList();
        context.status(errors.isEmpty() ? 200 : 422).html(pages.project(session(context), view, manages, teamNames,
                errors, values).toString());
    }

    private void putProjectMember(Context context) {
        Map<String, String> values = form(context, "username", "role");
        try {
            projects.putMember(caller(context), context.pathParam("name"), values.get("username"), values.get("role"));
            redirectTo(context, "/projects/" + context.pathParam("name"));
        } catch (AsterismException refused) {
            showProject(context, fieldErrors(refused, "username"), values);
        }
    }

    private void removeProjectMember(Context context) {
        projects.removeMember(caller(context), context.pathParam("name"), context.pathParam("username"));
        redirectTo(context, "/projects/" + context.pathParam("name"));
    }

    private void setQuota(Context context) {
        Map<String, String> values = form(context, "constellations", "vms", "vcpus", "memoryGib", "diskGib");
        try {
            projects.setQuota(caller(context), context.pathParam("name"), quota(values));
            redirectTo(context, "/projects/" + context.pathParam("name"));
        } catch (AsterismException refused) {
            showProject(context, quotaErrors(fieldErrors(refused, "vcpus")), values);
        }
    }

    private void putProjectTeam(Context context) {
        Map<String, String> values = form(context, "team", "teamRole");
        try {
            projects.putTeam(caller(context), context.pathParam("name"), values.get("team"), values.get("teamRole"));
            redirectTo(context, "/projects/" + context.pathParam("name"));
        } catch (AsterismException refused) {
            showProject(context, fieldErrors(refused, "team"), values);
        }
    }

    private void removeProjectTeam(Context context) {
        projects.removeTeam(caller(context), context.pathParam("name"), context.pathParam("team"));
        redirectTo(context, "/projects/" + context.pathParam("name"));
    }

    private void listTeams(Context context, Map<String, String> errors, Map<String, String> values) {
        User caller = caller(context);
        List<TeamService.View> all = teams.views(caller);
        context.status(errors.isEmpty() ? 200 : 422).html(pages.teams(session(context), all, errors, values)
                .toString());
    }

    private void createTeam(Context context) {
        Map<String, String> values = form(context, "name", "description");
        try {
            teams.create(caller(context), values.get("name"), values.get("description"));
            redirectTo(context, "/teams");
        } catch (AsterismException refused) {
            listTeams(context, fieldErrors(refused, "name"), values);
        }
    }

    private void putTeamMember(Context context) {
        Map<String, String> values = form(context, "username");
        try {
            teams.putMember(caller(context), context.pathParam("name"), values.get("username"));
            redirectTo(context, "/teams");
        } catch (AsterismException refused) {
            Map<String, String> errors = new LinkedHashMap<>();
            errors.put("username-" + context.pathParam("name"), refused.getMessage());
            listTeams(context, errors, values);
        }
    }

    private void removeTeamMember(Context context) {
        teams.removeMember(caller(context), context.pathParam("name"), context.pathParam("username"));
        redirectTo(context, "/teams");
    }

    /** The last 30 days of the project's usage records, as a CSV download. */
    private void usageCsv(Context context) {
        java.time.Instant until = clock.instant();
        List<UsageRecord> records = projects.usageRecords(caller(context), context.pathParam("name"),
                until.minus(java.time.Duration.ofDays(30)), until);
        context.contentType("text/csv; charset=utf-8").header("Content-Disposition", "attachment; filename=\""
                + context.pathParam("name") + "-usage.csv\"").result(UsageRecord.csv(records));
    }

    /** The service names quota fields {@code quota.vcpus}; the panel's forms name them {@code vcpus}. */
    private static Map<String, String> quotaErrors(Map<String, String> errors) {
        Map<String, String> renamed = new LinkedHashMap<>();
        errors.forEach((field, message) -> renamed.put(field.replaceFirst("^quota\\.", ""), message));
        return renamed;
    }

    /** The projects a user may pick for new work: those they take part in, the default first. */
    private List<String> projectNames(User caller) {
        List<String> names = new java.util.ArrayList<>(projects.list(caller).stream().map(Project::name)
                .filter(name -> !name.equals(Project.DEFAULT)).toList());
        names.addFirst(Project.DEFAULT);
        return names;
    }

    private List<Brick> bricksWith(User caller, String capability) {
        return catalog.bricks(caller).stream()
                .filter(brick -> brick.capabilities().stream().map(WireNames::of).anyMatch(capability::equals))
                .toList();
    }

    /** The form's fields, each stripped, missing ones as empty. */
    private static Map<String, String> form(Context context, String... fields) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String field : fields) {
            values.put(field, Optional.ofNullable(context.formParam(field)).map(String::strip).orElse(""));
        }
        return values;
    }

    /** The refusal's message beside the field it names, or beside {@code fallback}. */
    private static Map<String, String> fieldErrors(AsterismException refused, String fallback) {
        Object field = refused.details().get("field");
        Map<String, String> errors = new LinkedHashMap<>();
        errors.put(field == null ? fallback : field.toString(), refused.getMessage());
        return errors;
    }

    private static Integer number(Map<String, String> values, String field) {
        String value = values.get(field);
        if (value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw AsterismException.invalid(field, "must be a whole number");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static void redirectTo(Context context, String path) {
        context.redirect(ROOT + path, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static int status(ErrorCode code) {
        return ErrorResponses.status(code);
    }

    private static void asset(Context context, String name, String type) {
        try (InputStream in = Panel.class.getResourceAsStream("/asterism/panel/" + name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the server jar");
            }
            context.contentType(type + "; charset=utf-8").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
