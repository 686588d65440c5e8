package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.BatchJob;
import dev.asterism.spi.guest.BatchNode;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Slurm's node daemon on a member: {@code slurmd} fetches its configuration from the controller's {@code slurmctld}
 * ("configless") and registers itself as a node of the name it was given ("dynamic", {@code slurmd -Z}), so nothing
 * is written on the controller when a member comes. Jobs run as the domain users who submitted them, resolved here
 * through sssd. The client commands ({@code srun}, {@code sbatch}, {@code squeue}) find the configuration slurmd
 * fetched ({@code /run/slurm/conf}).
 */
final class SlurmNode implements BatchNode {
    private static final String NAME = LinuxGuestPlatform.STATE_DIRECTORY + "/batch-node";
    private static final String SCHEDULER = LinuxGuestPlatform.STATE_DIRECTORY + "/batch-scheduler-address";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String F = SlurmScheduler.FIELD;
    /**
     * Starts slurmd (arguments: the node's name, the scheduler's address and port, the feature) unless it runs with
     * these arguments already; with {@code wait}, until the scheduler knows the node.
     */
    private static final String START = """
            set -e
            # The daemons make files everyone reads (the configuration slurmd fetches for srun and sbatch), whatever
            # the agent's own umask.
            umask 022
            name=$1 server=$2 feature=$3 wait=$4
            args="$name $server $feature"
            running() { [ -s /run/slurmd.asterism ] && kill -0 "$(cut -d' ' -f1 /run/slurmd.asterism)" 2>/dev/null; }
            if running; then
              [ "$(cut -d' ' -f2- /run/slurmd.asterism)" = "$args" ] && started=1
              [ -n "$started" ] || kill "$(cut -d' ' -f1 /run/slurmd.asterism)"
              for i in $(seq 50); do [ -n "$started" ] || ! running || break; sleep 0.2; done
            fi
            if [ -z "$started" ]; then
              mkdir -p /var/lib/slurm/slurmd /var/log/slurm
              setsid slurmd -D -Z -N "$name" --conf-server "$server" --conf "Feature=$feature" \\
                </dev/null >>/var/log/slurm/slurmd.out 2>&1 &
              echo "$! $args" > /run/slurmd.asterism
            fi
            [ "$wait" = wait ] || exit 0
            for i in $(seq 150); do
              scontrol show node "$name" 2>/dev/null | grep -q "NodeName=$name " && exit 0
              running || break
              sleep 0.2
            done
            echo "the scheduler at $server does not know node $name"; tail -n 5 /var/log/slurm/slurmd.log \\
              /var/log/slurm/slurmd.out 2>/dev/null; exit 5
            """;

    private final HostCommands commands;
    private final Munge munge;

    SlurmNode(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
        this.munge = new Munge(commands);
    }

    @Override
    public synchronized void prepare(String nodeName, Secret schedulerKey) {
        SlurmScheduler.requireNodeName(nodeName);
        requireNonNull(schedulerKey, "schedulerKey is null");
        munge.run(schedulerKey);
        commands.writeText(NAME, nodeName + "\n");
    }

    @Override
    public synchronized void join(Ipv4Address schedulerAddress) {
        requireNonNull(schedulerAddress, "schedulerAddress is null");
        String name = nodeName().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "this guest has no batch scheduler's key: it is not a batch node"));
        commands.writeText(SCHEDULER, schedulerAddress.value() + "\n");
        start(name, schedulerAddress, true);
    }

    /** Starts the node after a boot when it had joined; it registers once the scheduler answers. */
    synchronized void restore() {
        Optional<String> name = nodeName();
        Optional<String> scheduler = commands.readText(SCHEDULER).map(String::strip).filter(text -> !text.isEmpty());
        if (name.isPresent() && scheduler.isPresent()) {
            munge.run(munge.installedKey().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                    "the batch scheduler's key " + Munge.KEY + " is gone")));
            start(name.get(), Ipv4Address.of(scheduler.get()), false);
        }
    }

    private void start(String name, Ipv4Address scheduler, boolean waitForScheduler) {
        HostCommands.Result started = commands.run(List.of("sh", "-c", START, "sh", name,
                scheduler.value() + ":" + SlurmScheduler.PORT, SlurmScheduler.NODE_FEATURE,
                waitForScheduler ? "wait" : "no"), null, Map.of(), TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start slurmd: " + started.printed() + " (install "
                    + LinuxPackages.hintFor("slurmd") + "; see /var/log/slurm/slurmd.log)");
        }
    }

    @Override
    public Optional<String> nodeName() {
        return commands.readText(NAME).map(String::strip).filter(text -> !text.isEmpty());
    }

    @Override
    public List<BatchJob> jobs() {
        if (commands.readText(SCHEDULER).isEmpty()) {
            throw new GuestException(Code.NOT_FOUND, "this guest is not a batch node yet");
        }
        String printed = commands.require(List.of("squeue", "--noheader", "--all", "--array",
                "--format=" + String.join(F, "%i", "%u", "%j", "%T", "%N", "%r")), "ask slurmctld for its queue");
        List<BatchJob> jobs = new ArrayList<>();
        for (String line : printed.lines().map(String::strip).filter(line -> !line.isEmpty()).toList()) {
            String[] fields = line.split(F, -1);
            if (fields.length == 6) {
                String reason = fields[5].strip();
                jobs.add(new BatchJob(fields[0], fields[1], fields[2], fields[3].toLowerCase(Locale.ROOT), fields[4],
                        reason.equals("None") ? "" : reason));
            }
        }
        return List.copyOf(jobs);
    }
}
