package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.NewVm;
import dev.asterism.cli.api.Vm;
import dev.asterism.cli.api.VmState;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "vm",
        description = {
            "Start, stop, destroy and inspect VMs.",
            "",
            "The server works asynchronously: start, stop and destroy return once the server has accepted the "
                    + "request. Add --wait to follow the VM until it gets there; progress goes to standard error."
        })
final class VmCommand extends CommandGroup {

    private static final String TIMEOUT_DESCRIPTION =
            "How long --wait waits, such as 90s, 10m or 1h (default: ${DEFAULT-VALUE}). "
                    + "On timeout the VM keeps going on the server.";

    @Command(name = "list", description = "List the VMs you can see.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/vms");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "STATE", "BRICK", "REALM", "PROFILE", "OWNER", "ADDRESSES", "REASON");
        for (Vm vm : json().readList(response, Vm.class)) {
            table.row(vm.name(), vm.state(), vm.brick(), vm.realm(), vm.profile(), vm.owner(), vm.addresses(),
                    vm.reason());
        }
        table.print(out(), "no VMs");
    }

    @Command(name = "show", description = "Show one VM in detail.")
    void show(
            @Parameters(paramLabel = "NAME", description = "The VM to show.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get(vmPath(name));
        if (asJson) {
            printJson(response);
            return;
        }
        Vm vm = json().read(response, Vm.class);
        Table.fields()
                .row("name", vm.name())
                .row("id", vm.id())
                .row("state", vm.state())
                .row("desired state", vm.desiredState())
                .row("reason", vm.reason())
                .row("brick", vm.brick())
                .row("realm", vm.realm())
                .row("profile", vm.profile())
                .row("os", vm.osFamily())
                .row("owner", vm.owner())
                .row("project", vm.project())
                .row("addresses", vm.addresses())
                .row("created", vm.createdAt())
                .row("updated", vm.updatedAt())
                .row("registration deadline", vm.registrationDeadline())
                .print(out(), "");
    }

    @Command(name = "start", description = "Start a new VM of a brick.")
    int start(
            @Option(names = "--brick", required = true, paramLabel = "BRICK", description = "The brick to start.")
                    String brick,
            @Option(names = "--name", required = true, paramLabel = "NAME", description = "The new VM's name.")
                    String name,
            @Option(names = "--realm", paramLabel = "REALM", description = "Where to run it; default: the server's choice.")
                    String realm,
            @Option(names = "--profile", paramLabel = "PROFILE", description = "Hardware profile; default: the brick's.")
                    String profile,
            @Option(names = "--project", paramLabel = "PROJECT", description = "The project it counts against;"
                    + " default: the project 'default'.") String project,
            @Option(names = "--wait", description = "Wait until the VM is RUNNING, polling every 500 ms; exit 1 if it "
                    + "fails, 5 on timeout.") boolean wait,
            @Option(
                            names = "--timeout",
                            paramLabel = "DURATION",
                            defaultValue = "10m",
                            converter = Converters.PositiveDuration.class,
                            description = TIMEOUT_DESCRIPTION)
                    Duration timeout) {
        Instant started = root.environment().clock().instant();
        ApiClient api = api();
        Vm accepted = json().read(api.post("/vms", new NewVm(name, brick, realm, profile, project)), Vm.class);
        return follow(api, started, accepted, VmState.RUNNING, wait, timeout);
    }

    @Command(name = "stop", description = "Stop a VM; it can be started again with its disk intact.")
    int stop(
            @Parameters(paramLabel = "NAME", description = "The VM to stop.") String name,
            @Option(names = "--wait", description = "Wait until the VM is STOPPED, polling every 500 ms; exit 1 if it "
                    + "fails, 5 on timeout.") boolean wait,
            @Option(
                            names = "--timeout",
                            paramLabel = "DURATION",
                            defaultValue = "10m",
                            converter = Converters.PositiveDuration.class,
                            description = TIMEOUT_DESCRIPTION)
                    Duration timeout) {
        Instant started = root.environment().clock().instant();
        ApiClient api = api();
        Vm accepted = json().read(api.post(vmPath(name) + "/stop", null), Vm.class);
        return follow(api, started, accepted, VmState.STOPPED, wait, timeout);
    }

    @Command(name = "destroy", description = "Destroy a VM and its disk. This cannot be undone.")
    int destroy(
            @Parameters(paramLabel = "NAME", description = "The VM to destroy.") String name,
            @Option(names = "--wait", description = "Wait until the VM is DESTROYED, polling every 500 ms; exit 1 if "
                    + "it fails, 5 on timeout.") boolean wait,
            @Option(
                            names = "--timeout",
                            paramLabel = "DURATION",
                            defaultValue = "10m",
                            converter = Converters.PositiveDuration.class,
                            description = TIMEOUT_DESCRIPTION)
                    Duration timeout) {
        Instant started = root.environment().clock().instant();
        ApiClient api = api();
        Vm accepted = json().read(api.delete(vmPath(name)), Vm.class);
        return follow(api, started, accepted, VmState.DESTROYED, wait, timeout);
    }

    private int follow(ApiClient api, Instant started, Vm accepted, VmState target, boolean wait, Duration timeout) {
        if (!wait) {
            printLine(accepted.name() + ": " + accepted.state());
            return ExitStatus.SUCCESS.code();
        }
        VmWaiter waiter = new VmWaiter(
                api, json(), root.environment().clock(), root.environment().sleeper(), err());
        VmWaiter.Outcome outcome = waiter.await(started, accepted, target, timeout);
        switch (outcome) {
            case VmWaiter.Reached reached -> printLine(
                    accepted.name() + " is " + reached.state() + " after " + Durations.format(reached.elapsed()));
            case VmWaiter.Failed failed -> throw new CommandFailure(ExitStatus.FAILURE, describe(failed.vm(), target));
            case VmWaiter.TimedOut timedOut -> throw new CommandFailure(
                    ExitStatus.TIMED_OUT,
                    "timed out after " + Durations.format(timedOut.timeout()) + " waiting for " + accepted.name()
                            + " to be " + target + "; it is " + timedOut.lastState()
                            + " and keeps going on the server (see `asterism vm show " + accepted.name() + "`)");
        }
        return ExitStatus.SUCCESS.code();
    }

    private static String describe(Vm vm, VmState target) {
        String reason = vm.reason();
        if (reason == null || reason.isBlank()) {
            reason = "the server gave no reason";
        }
        if (vm.state() == VmState.DESTROYED) {
            return vm.name() + " was destroyed before it was " + target + ": " + reason;
        }
        return vm.name() + " failed: " + reason;
    }

    private static String vmPath(String name) {
        return "/vms/" + ApiClient.segment(name);
    }
}
