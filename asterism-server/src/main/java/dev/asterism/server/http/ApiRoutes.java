package dev.asterism.server.http;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;
import static io.javalin.http.HandlerType.PUT;

import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditService;
import dev.asterism.core.auth.AuthService;
import dev.asterism.core.catalog.Brick;
import dev.asterism.core.catalog.CatalogService;
import dev.asterism.core.constellation.ConstellationBatch;
import dev.asterism.core.constellation.ConstellationPeople;
import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.constellation.ConstellationState;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectService;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.UsageRecord;
import dev.asterism.core.team.Team;
import dev.asterism.core.team.TeamService;
import dev.asterism.core.user.User;
import dev.asterism.core.user.UserService;
import dev.asterism.core.validation.WireNames;
import dev.asterism.core.vm.VmService;
import dev.asterism.server.tunnel.TunnelRelay;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.sse.SseHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The REST API under {@code /api/v1}: every route in one block, each handler a method below. */
public final class ApiRoutes {
    public static final String PREFIX = "/api/v1";
    /** How many polls (of 250 ms) an event stream makes between checks of its credential: about 2 s. */
    private static final int RECHECK_POLLS = 8;
    private static final String EVENT_STREAM = "text/event-stream";
    /** The tunnel's WebSocket; a GET there that is no upgrade gets the same checks and then a 400 saying so. */
    static final String TUNNEL = "/constellations/{name}/members/{member}/tunnel";

    /** One endpoint; {@code path} uses the same {@code {name}} syntax as OpenAPI. */
    public record Route(HandlerType method, String path, Handler handler) {}

    private final AuthService auth;
    private final UserService users;
    private final CatalogService catalog;
    private final ProjectService projects;
    private final TeamService teams;
    private final VmService vms;
    private final AuditService audit;
    private final ConstellationService constellations;
    private final ConstellationPeople people;
    private final ConstellationBatch batch;
    private final RequestAuthenticator authenticator;
    private final Clock clock;
    private final String openApiDocument;
    private final TunnelRelay tunnels;
    private final ClientAddresses addresses;

    public ApiRoutes(AuthService auth, UserService users, CatalogService catalog, ProjectService projects,
            TeamService teams, VmService vms, AuditService audit,
            ConstellationService constellations, ConstellationPeople people, ConstellationBatch batch,
            TunnelRelay tunnels, Clock clock, String openApiDocument, ClientAddresses addresses) {
        this.batch = batch;
        this.tunnels = tunnels;
        this.addresses = addresses;
        this.constellations = constellations;
        this.people = people;
        this.auth = auth;
        this.users = users;
        this.catalog = catalog;
        this.projects = projects;
        this.teams = teams;
        this.vms = vms;
        this.audit = audit;
        this.authenticator = new RequestAuthenticator(auth);
        this.clock = clock;
        this.openApiDocument = openApiDocument;
    }

    RequestAuthenticator authenticator() {
        return authenticator;
    }

    TunnelRelay tunnels() {
        return tunnels;
    }

    public List<Route> routes() {
        return List.of(
                new Route(GET, "/openapi.json", this::openApi),
                new Route(POST, "/auth/login", this::login),
                new Route(POST, "/auth/logout", this::logout),
                new Route(POST, "/auth/tokens", this::createToken),
                new Route(GET, "/auth/whoami", this::whoami),
                new Route(GET, "/tokens", this::listTokens),
                new Route(DELETE, "/tokens/{id}", this::revokeToken),
                new Route(GET, "/users", this::listUsers),
                new Route(POST, "/users", this::createUser),
                new Route(GET, "/users/{username}", this::getUser),
                new Route(DELETE, "/users/{username}", this::deleteUser),
                new Route(GET, "/realms", this::listRealms),
                new Route(GET, "/profiles", this::listProfiles),
                new Route(POST, "/profiles", this::createProfile),
                new Route(DELETE, "/profiles/{name}", this::deleteProfile),
                new Route(GET, "/images", this::listImages),
                new Route(POST, "/images", this::createImage),
                new Route(DELETE, "/images/{name}", this::deleteImage),
                new Route(GET, "/bricks", this::listBricks),
                new Route(POST, "/bricks", this::createBrick),
                new Route(GET, "/bricks/{name}", this::getBrick),
                new Route(DELETE, "/bricks/{name}", this::deleteBrick),
                new Route(GET, "/bricks/{name}/grants", this::listGrants),
                new Route(PUT, "/bricks/{name}/grants/{username}", this::putGrant),
                new Route(DELETE, "/bricks/{name}/grants/{username}", this::deleteGrant),
                new Route(GET, "/vms", this::listVms),
                new Route(POST, "/vms", this::startVm),
                new Route(GET, "/vms/{name}", this::getVm),
                new Route(POST, "/vms/{name}/stop", this::stopVm),
                new Route(POST, "/vms/{name}/start", this::startVmAgain),
                new Route(DELETE, "/vms/{name}", this::destroyVm),
                new Route(GET, "/constellations", this::listConstellations),
                new Route(POST, "/constellations", this::createConstellation),
                new Route(GET, "/constellations/{name}", this::showConstellation),
                new Route(DELETE, "/constellations/{name}", this::destroyConstellation),
                new Route(GET, "/constellations/{name}/events", this::streamEvents),
                new Route(POST, "/constellations/{name}/members", this::addMembers),
                new Route(DELETE, "/constellations/{name}/members/{member}", this::removeMember),
                new Route(POST, "/constellations/{name}/members/{member}/retry", this::retryMember),
                new Route(GET, "/constellations/{name}/members/{member}/connect", this::connectInfo),
                new Route(GET, TUNNEL, this::tunnelWithoutUpgrade),
                new Route(GET, "/constellations/{name}/people", this::listPeople),
                new Route(POST, "/constellations/{name}/people", this::addPeople),
                new Route(DELETE, "/constellations/{name}/people/{username}", this::removePerson),
                new Route(PUT, "/constellations/{name}/password", this::setPassword),
                new Route(PUT, "/constellations/{name}/clipboard", this::setClipboard),
                new Route(GET, "/constellations/{name}/batch", this::batchStatus),
                new Route(GET, "/levels", this::listLevels),
                new Route(PUT, "/levels", this::setLevels),
                new Route(PUT, "/users/{username}/clearance", this::setClearance),
                new Route(PUT, "/bricks/{name}/level", this::setBrickLevel),
                new Route(GET, "/projects", this::listProjects),
                new Route(POST, "/projects", this::createProject),
                new Route(GET, "/projects/{name}", this::showProject),
                new Route(DELETE, "/projects/{name}", this::deleteProject),
                new Route(PUT, "/projects/{name}/quota", this::setQuota),
                new Route(GET, "/projects/{name}/usage", this::projectUsage),
                new Route(PUT, "/projects/{name}/members/{username}", this::putProjectMember),
                new Route(PUT, "/projects/{name}/teams/{team}", this::putProjectTeam),
                new Route(DELETE, "/projects/{name}/teams/{team}", this::removeProjectTeam),
                new Route(GET, "/teams", this::listTeams),
                new Route(POST, "/teams", this::createTeam),
                new Route(GET, "/teams/{name}", this::showTeam),
                new Route(DELETE, "/teams/{name}", this::deleteTeam),
                new Route(PUT, "/teams/{name}/members/{username}", this::putTeamMember),
                new Route(DELETE, "/teams/{name}/members/{username}", this::removeTeamMember),
                new Route(GET, "/bricks/{name}/team-grants", this::listTeamGrants),
                new Route(PUT, "/bricks/{name}/team-grants/{team}", this::putTeamGrant),
                new Route(DELETE, "/bricks/{name}/team-grants/{team}", this::deleteTeamGrant),
                new Route(DELETE, "/projects/{name}/members/{username}", this::removeProjectMember),
                new Route(GET, "/audit", this::listAudit),
                new Route(GET, "/audit/verify", this::verifyAudit));
    }

    private void openApi(Context context) {
        context.contentType("application/json").result(openApiDocument);
    }

    private void login(Context context) {
        Requests.Login request = Json.body(context, Requests.Login.class);
        AuthService.NewSession session = auth.createSession(request.username(), request.password(),
                addresses.of(context));
        RequestAuthenticator.setSessionCookie(context, session.sessionId(), session.expiresAt(), clock.instant());
        context.json(new Views.SessionView(session.user().username(), WireNames.of(session.user().role()),
                session.csrfToken(), session.expiresAt()));
    }

    private void logout(Context context) {
        User caller = authenticator.caller(context);
        String sessionId = context.cookie(RequestAuthenticator.SESSION_COOKIE);
        if (sessionId != null) {
            auth.logout(caller, sessionId);
        }
        RequestAuthenticator.clearSessionCookie(context);
        context.status(204);
    }

    private void createToken(Context context) {
        Requests.NewToken request = Json.body(context, Requests.NewToken.class);
        AuthService.NewToken created = auth.createToken(request.username(), request.password(), request.name(),
                addresses.of(context));
        context.status(201).json(new Views.CreatedTokenView(created.token().id(), created.token().name(),
                created.secret(), created.token().createdAt()));
    }

    private void whoami(Context context) {
        User caller = authenticator.caller(context);
        context.json(Map.of("username", caller.username(), "role", WireNames.of(caller.role())));
    }

    private void listTokens(Context context) {
        context.json(auth.tokens(authenticator.caller(context)).stream().map(Views.TokenView::of).toList());
    }

    private void revokeToken(Context context) {
        auth.revokeToken(authenticator.caller(context), context.pathParam("id"));
        context.status(204);
    }

    private void listUsers(Context context) {
        List<User> all = users.list(authenticator.caller(context));
        Map<String, String> clearances = projects.clearancesOf(all.stream().map(User::username).toList());
        context.json(all.stream().map(user -> Views.UserView.of(user, clearances.get(user.username()))).toList());
    }

    private void createUser(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewUser request = Json.body(context, Requests.NewUser.class);
        User created = users.create(caller, request.username(), request.password(), request.role());
        context.status(201).json(Views.UserView.of(created, clearanceOf(created)));
    }

    private void getUser(Context context) {
        User user = users.get(authenticator.caller(context), context.pathParam("username"));
        context.json(Views.UserView.of(user, clearanceOf(user)));
    }

    private String clearanceOf(User user) {
        return projects.clearancesOf(List.of(user.username())).get(user.username());
    }

    private String levelOf(Brick brick) {
        return projects.brickLevelsOf(List.of(brick.name())).get(brick.name());
    }

    private void deleteUser(Context context) {
        users.delete(authenticator.caller(context), context.pathParam("username"));
        tunnels.closeTunnelsOf(context.pathParam("username"), null, "the user was deleted");
        context.status(204);
    }

    private void listRealms(Context context) {
        authenticator.caller(context);
        context.json(catalog.realms().stream().map(Views.RealmView::of).toList());
    }

    private void listProfiles(Context context) {
        context.json(catalog.profiles(authenticator.caller(context)).stream().map(Views.ProfileView::of).toList());
    }

    private void createProfile(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewProfile request = Json.body(context, Requests.NewProfile.class);
        context.status(201).json(Views.ProfileView.of(catalog.createProfile(caller, request.name(), request.vcpus(),
                request.memoryMib(), request.diskGib())));
    }

    private void deleteProfile(Context context) {
        catalog.deleteProfile(authenticator.caller(context), context.pathParam("name"));
        context.status(204);
    }

    private void listImages(Context context) {
        context.json(catalog.images(authenticator.caller(context)).stream().map(Views.ImageView::of).toList());
    }

    private void createImage(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewImage request = Json.body(context, Requests.NewImage.class);
        context.status(201).json(Views.ImageView.of(catalog.createImage(caller, request.name(), request.osFamily(),
                request.source(), request.description())));
    }

    private void deleteImage(Context context) {
        catalog.deleteImage(authenticator.caller(context), context.pathParam("name"));
        context.status(204);
    }

    private void listBricks(Context context) {
        List<Brick> all = catalog.bricks(authenticator.caller(context));
        Map<String, String> levels = projects.brickLevelsOf(all.stream().map(Brick::name).toList());
        context.json(all.stream().map(brick -> Views.BrickView.of(brick, levels.get(brick.name()))).toList());
    }

    private void createBrick(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewBrick request = Json.body(context, Requests.NewBrick.class);
        Brick created = catalog.createBrick(caller, request.name(), request.image(), request.profile(),
                request.capabilities());
        context.status(201).json(Views.BrickView.of(created, levelOf(created)));
    }

    private void getBrick(Context context) {
        Brick brick = catalog.brick(authenticator.caller(context), context.pathParam("name"));
        context.json(Views.BrickView.of(brick, levelOf(brick)));
    }

    private void deleteBrick(Context context) {
        catalog.deleteBrick(authenticator.caller(context), context.pathParam("name"));
        context.status(204);
    }

    private void listGrants(Context context) {
        context.json(catalog.grants(authenticator.caller(context), context.pathParam("name")).stream()
                .map(Views.GrantView::of).toList());
    }

    private void putGrant(Context context) {
        User caller = authenticator.caller(context);
        Requests.GrantChange request = Json.body(context, Requests.GrantChange.class);
        context.json(Views.GrantView.of(catalog.putGrant(caller, context.pathParam("name"),
                context.pathParam("username"), request.level())));
    }

    private void deleteGrant(Context context) {
        catalog.deleteGrant(authenticator.caller(context), context.pathParam("name"), context.pathParam("username"));
        context.status(204);
    }

    private void listVms(Context context) {
        context.json(vms.list(authenticator.caller(context)).stream().map(Views.VmView::of).toList());
    }

    private void startVm(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewVm request = Json.body(context, Requests.NewVm.class);
        context.status(202).json(Views.VmView.of(vms.start(caller, request.name(), request.brick(), request.realm(),
                request.profile(), request.project())));
    }

    private void getVm(Context context) {
        context.json(Views.VmView.of(vms.get(authenticator.caller(context), context.pathParam("name"))));
    }

    private void stopVm(Context context) {
        context.status(202).json(Views.VmView.of(vms.stop(authenticator.caller(context), context.pathParam("name"))));
    }

    private void startVmAgain(Context context) {
        context.status(202).json(Views.VmView.of(vms.startAgain(authenticator.caller(context),
                context.pathParam("name"))));
    }

    private void destroyVm(Context context) {
        context.status(202).json(Views.VmView.of(vms.destroy(authenticator.caller(context), context.pathParam("name"))));
    }

    private void listConstellations(Context context) {
        context.json(constellations.list(authenticator.caller(context)).stream()
                .map(c -> Views.ConstellationView.of(c, null)).toList());
    }

    private void createConstellation(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewConstellation request = Json.body(context, Requests.NewConstellation.class);
        context.status(202).json(Views.ConstellationView.of(
                constellations.create(caller, request.name(), request.brick(), request.joinMode(), request.project(),
                        request.clipboard()),
                List.of()));
    }

    private void showConstellation(Context context) {
        ConstellationService.View view = constellations.show(authenticator.caller(context), context.pathParam("name"));
        context.json(Views.ConstellationView.of(view.constellation(), view.members()));
    }

    private void destroyConstellation(Context context) {
        context.status(202).json(Views.ConstellationView.of(
                constellations.destroy(authenticator.caller(context), context.pathParam("name")), null));
    }

    /**
     * Server-sent events: a {@code snapshot} of the constellation, then every event about it as it is recorded
     * (phase changes, failures, removals), read from the audit chain so that every server can stream them. A client
     * that reconnects with {@code Last-Event-ID} continues after that event. Ends once the constellation is
     * destroyed, the client goes away, or the credential it came with no longer holds (checked every
     * {@value #RECHECK_POLLS} polls: a revoked token, an ended session, a deleted user, or one who may no longer see
     * the constellation), then with an {@code ended} event that says why.
     */
    private void streamEvents(Context context) throws Exception {
        User[] caller = {authenticator.caller(context)};
        Supplier<Optional<User>> credential = authenticator.recheck(context);
        String name = context.pathParam("name");
        String lastId = context.header("Last-Event-ID");
        // Taken before the snapshot, so that nothing recorded after it is missed (an event may come twice).
        long[] after = {lastId == null ? audit.headSeq() : parseEventId(lastId)};
        ConstellationService.View first = constellations.show(caller[0], name);
        if (!EVENT_STREAM.equals(context.header("Accept"))) {
            // Javalin streams only to exactly this Accept header, and would answer anything else with an empty 200.
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "this is a stream of server-sent events: send"
                    + " the header 'Accept: " + EVENT_STREAM + "'", Map.of("accept", String.valueOf(
                    context.header("Accept"))));
        }
        new SseHandler(client -> {
            client.sendEvent("snapshot", Views.ConstellationView.of(first.constellation(), first.members()));
            if (first.constellation().state() == ConstellationState.DESTROYED) {
                return;
            }
            int quietPolls = 0;
            int polls = 0;
            while (!client.terminated()) {
                if (++polls % RECHECK_POLLS == 0) {
                    Optional<User> now = credential.get();
                    if (now.isEmpty()) {
                        client.sendEvent("ended", Map.of("reason", "the token or session of this stream was revoked"
                                + " or ended, or its user deleted: log in again"));
                        return;
                    }
                    caller[0] = now.get();
                }
                List<AuditEvent> events;
                try {
                    events = constellations.events(caller[0], name, after[0]);
                } catch (AsterismException refused) {
                    client.sendEvent("ended", Map.of("reason", refused.getMessage()));
                    return;
                }
                for (AuditEvent event : events) {
                    client.sendEvent(event.action(), event, Long.toString(event.seq()));
                    after[0] = event.seq();
                    if (event.action().equals("constellation.destroyed")) {
                        return;
                    }
                }
                if (events.isEmpty() && ++quietPolls % 60 == 0) {
                    client.sendComment("keep-alive");
                }
                sleepQuietly(250);
            }
        }).handle(context);
    }

    private static long parseEventId(String id) {
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "Last-Event-ID must be an event's number",
                    Map.of("field", "Last-Event-ID"));
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void addMembers(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewMembers request = Json.body(context, Requests.NewMembers.class);
        context.status(202).json(constellations.add(caller, context.pathParam("name"), request.brick(),
                request.profile(), request.count(), request.names()).stream().map(Views.MemberView::of).toList());
    }

    private void removeMember(Context context) {
        context.status(202).json(Views.MemberView.of(constellations.remove(authenticator.caller(context),
                context.pathParam("name"), context.pathParam("member"))));
    }

    private void retryMember(Context context) {
        context.status(202).json(Views.MemberView.of(constellations.retry(authenticator.caller(context),
                context.pathParam("name"), context.pathParam("member"))));
    }

    /**
     * How to reach a member's port through a tunnel: the same checks as opening one (who may, which port, a READY
     * member whose agent is connected), then the command and an {@code .rdp} file for a suggested local port.
     */
    private void tunnelWithoutUpgrade(Context context) {
        TunnelSockets.check(context, authenticator, tunnels);
        throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "this is a tunnel's WebSocket: send the GET with"
                + " 'Connection: Upgrade' and 'Upgrade: websocket' (`asterism connect` does)");
    }

    private void connectInfo(Context context) {
        User caller = authenticator.caller(context);
        Long port = longQuery(context, "port");
        if (port != null && (port < 1 || port > 65535)) {
            throw AsterismException.invalid("port", "must be from 1 to 65535");
        }
        TunnelRelay.Target target = tunnels.authorize(caller, context.pathParam("name"), context.pathParam("member"),
                port == null ? 3389 : port.intValue());
        context.json(Views.ConnectView.of(target));
    }

    private void listPeople(Context context) {
        context.json(people.list(authenticator.caller(context), context.pathParam("name")).stream()
                .map(Views.PersonView::of).toList());
    }

    private void addPeople(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewPeople request = Json.body(context, Requests.NewPeople.class);
        context.status(202).json(people.add(caller, context.pathParam("name"), request.usernames()).stream()
                .map(Views.PersonView::of).toList());
    }

    private void removePerson(Context context) {
        String name = context.pathParam("name");
        String username = context.pathParam("username");
        Views.PersonView removed = Views.PersonView.of(people.remove(authenticator.caller(context), name, username));
        tunnels.closeTunnelsOf(username, name, "removed from the constellation's people");
        context.status(202).json(removed);
    }

    /** The caller's own desktop password; it is relayed to the controller and kept nowhere here. */
    private void setPassword(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewPassword request = Json.body(context, Requests.NewPassword.class);
        people.setPassword(caller, context.pathParam("name"), request.password());
        context.status(204);
    }

    private void setClipboard(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewClipboard request = Json.body(context, Requests.NewClipboard.class);
        context.json(Views.ConstellationView.of(constellations.setClipboard(caller, context.pathParam("name"),
                request.clipboard()), null));
    }

    private void batchStatus(Context context) {
        context.json(batch.status(authenticator.caller(context), context.pathParam("name")));
    }

    private void listLevels(Context context) {
        authenticator.caller(context);
        context.json(projects.levels().stream().map(Views.LevelView::of).toList());
    }

    private void setLevels(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewLevels request = Json.body(context, Requests.NewLevels.class);
        List<ProjectService.LevelRequest> levels = request.levels() == null ? null : request.levels().stream()
                .map(level -> level == null ? null : new ProjectService.LevelRequest(level.name(), level.description()))
                .toList();
        context.json(projects.setLevels(caller, levels).stream().map(Views.LevelView::of).toList());
    }

    private void setClearance(Context context) {
        User caller = authenticator.caller(context);
        Requests.LevelChange request = Json.body(context, Requests.LevelChange.class);
        String username = context.pathParam("username");
        context.json(Map.of("username", username, "level", projects.setClearance(caller, username, request.level())));
    }

    private void setBrickLevel(Context context) {
        User caller = authenticator.caller(context);
        Requests.LevelChange request = Json.body(context, Requests.LevelChange.class);
        String brick = context.pathParam("name");
        context.json(Map.of("brick", brick, "level", projects.setBrickLevel(caller, brick, request.level())));
    }

    private void listProjects(Context context) {
        context.json(projects.list(authenticator.caller(context)).stream().map(Views.ProjectView::of).toList());
    }

    private void createProject(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewProject request = Json.body(context, Requests.NewProject.class);
        Project created = projects.create(caller, request.name(), request.description(), request.level(),
                request.open(), quota(request.quota()));
        context.status(201).json(Views.ProjectView.of(projects.show(caller, created.name())));
    }

    private static Quota quota(Requests.NewQuota quota) {
        return quota == null ? null
                : new Quota(quota.constellations(), quota.vms(), quota.vcpus(), quota.memoryGib(), quota.diskGib());
    }

    private void showProject(Context context) {
        context.json(Views.ProjectView.of(projects.show(authenticator.caller(context), context.pathParam("name"))));
    }

    private void projectUsage(Context context) {
        User caller = authenticator.caller(context);
        Instant until = instantQuery(context, "until", clock.instant());
        Instant since = instantQuery(context, "since", until.minus(java.time.Duration.ofDays(30)));
        String format = context.queryParam("format");
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "query parameter 'format' must be json or csv",
                    Map.of("field", "format"));
        }
        List<UsageRecord> records = projects.usageRecords(caller, context.pathParam("name"), since, until);
        if ("csv".equals(format)) {
            context.contentType("text/csv; charset=utf-8").header("Content-Disposition", "attachment; filename=\""
                    + context.pathParam("name") + "-usage.csv\"").result(UsageRecord.csv(records));
            return;
        }
        context.json(records.stream().map(Views.UsageRecordView::of).toList());
    }

    /** A time as an instant ({@code 2030-01-02T03:04:05Z}) or a date ({@code 2030-01-02}, its start in UTC). */
    private static Instant instantQuery(Context context, String name, Instant fallback) {
        String value = context.queryParam(name);
        if (value == null) {
            return fallback;
        }
        try {
            return value.contains("T") ? Instant.parse(value)
                    : java.time.LocalDate.parse(value).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "query parameter '" + name + "' must be a date"
                    + " (2030-01-02) or a time (2030-01-02T03:04:05Z)", Map.of("field", name));
        }
    }

    private void deleteProject(Context context) {
        projects.delete(authenticator.caller(context), context.pathParam("name"));
        context.status(204);
    }

    private void setQuota(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewQuota request = Json.body(context, Requests.NewQuota.class);
        projects.setQuota(caller, context.pathParam("name"), quota(request));
        context.json(Views.ProjectView.of(projects.show(caller, context.pathParam("name"))));
    }

    private void putProjectMember(Context context) {
        User caller = authenticator.caller(context);
        Requests.RoleChange request = Json.body(context, Requests.RoleChange.class);
        context.json(Views.ProjectMemberView.of(projects.putMember(caller, context.pathParam("name"),
                context.pathParam("username"), request.role())));
    }

    private void putProjectTeam(Context context) {
        User caller = authenticator.caller(context);
        Requests.RoleChange request = Json.body(context, Requests.RoleChange.class);
        context.json(Views.ProjectTeamView.of(projects.putTeam(caller, context.pathParam("name"),
                context.pathParam("team"), request.role())));
    }

    private void removeProjectTeam(Context context) {
        projects.removeTeam(authenticator.caller(context), context.pathParam("name"), context.pathParam("team"));
        context.status(204);
    }

    private void listTeams(Context context) {
        context.json(teams.list(authenticator.caller(context)).stream().map(Views.TeamView::of).toList());
    }

    private void createTeam(Context context) {
        User caller = authenticator.caller(context);
        Requests.NewTeam request = Json.body(context, Requests.NewTeam.class);
        Team created = teams.create(caller, request.name(), request.description());
        context.status(201).json(Views.TeamView.of(teams.show(caller, created.name())));
    }

    private void showTeam(Context context) {
        context.json(Views.TeamView.of(teams.show(authenticator.caller(context), context.pathParam("name"))));
    }

    private void deleteTeam(Context context) {
        teams.delete(authenticator.caller(context), context.pathParam("name"));
        context.status(204);
    }

    private void putTeamMember(Context context) {
        User caller = authenticator.caller(context);
        teams.putMember(caller, context.pathParam("name"), context.pathParam("username"));
        context.json(Views.TeamView.of(teams.show(caller, context.pathParam("name"))));
    }

    private void removeTeamMember(Context context) {
        teams.removeMember(authenticator.caller(context), context.pathParam("name"), context.pathParam("username"));
        context.status(204);
    }

    private void listTeamGrants(Context context) {
        context.json(catalog.teamGrants(authenticator.caller(context), context.pathParam("name")).stream()
                .map(Views.TeamGrantView::of).toList());
    }

    private void putTeamGrant(Context context) {
        User caller = authenticator.caller(context);
        Requests.GrantChange request = Json.body(context, Requests.GrantChange.class);
        context.json(Views.TeamGrantView.of(catalog.putTeamGrant(caller, context.pathParam("name"),
                context.pathParam("team"), request.level())));
    }

    private void deleteTeamGrant(Context context) {
        catalog.deleteTeamGrant(authenticator.caller(context), context.pathParam("name"), context.pathParam("team"));
        context.status(204);
    }

    private void removeProjectMember(Context context) {
        projects.removeMember(authenticator.caller(context), context.pathParam("name"), context.pathParam("username"));
        context.status(204);
    }

    private void listAudit(Context context) {
        User caller = authenticator.caller(context);
        context.json(audit.list(caller, longQuery(context, "afterSeq"), intQuery(context, "limit"),
                context.queryParam("actor"), context.queryParam("action")));
    }

    private void verifyAudit(Context context) {
        context.json(audit.verify(authenticator.caller(context)));
    }

    private static Long longQuery(Context context, String name) {
        String value = context.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "query parameter '" + name
                    + "' must be a whole number", Map.of("field", name));
        }
    }

    private static Integer intQuery(Context context, String name) {
        Long value = longQuery(context, name);
        if (value == null) {
            return null;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw AsterismException.invalid(name, "is out of range");
        }
        return value.intValue();
    }
}
