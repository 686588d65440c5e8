package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.BatchNodeStatus;
import dev.asterism.spi.guest.BatchScheduler;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Slurm's controller daemon on a constellation's controller. {@code slurmctld} serves its configuration to the nodes
 * ("configless": a node needs only the address and the munge key) and takes nodes that register themselves ("dynamic
 * nodes", {@code slurmd -Z}) into the one partition {@value #PARTITION}, by the feature they register with. Nothing is
 * rewritten when members come and go.
 *
 * <p>A node taken out stays down until the member of its name joins again ({@code ReturnToService=1}: only a node
 * that stopped answering comes back by itself, as after a reboot). The choices a user notices: cores are the unit of
 * allocation; a job on a node that leaves the constellation
 * fails (it is not queued again, {@code JobRequeue=0}; {@code sbatch --requeue} asks for it); the controller does
 * not look up the users' groups (it resolves no domain user: {@code disable_send_gids}), each node does; there is no
 * accounting database.
 */
final class SlurmScheduler implements BatchScheduler {
    static final int PORT = 6817;
    static final String PARTITION = "members";
    /** The feature every node registers with, which puts it in the partition. */
    static final String NODE_FEATURE = "asterism";
    static final Pattern NODE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** Where the overlay address the scheduler listens at is kept; its presence says the key is this scheduler's. */
    private static final String SETTINGS = LinuxGuestPlatform.STATE_DIRECTORY + "/batch-scheduler";
    /** The nodes taken out of Slurm and not deleted yet, one per line. */
    private static final String LEAVING = LinuxGuestPlatform.STATE_DIRECTORY + "/batch-nodes-leaving";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Between the fields of a line Slurm's commands print: a character no name holds. */
    static final String FIELD = "\u001f";
    /** Writes slurm.conf (argument: the overlay address) and (re)starts slurmctld, then waits until it answers. */
    private static final String CONFIGURE_AND_START = """
            set -e
            umask 022
            address=$1 conf=/etc/slurm/slurm.conf
            mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/log/slurm
            chown slurm:slurm /var/lib/slurm /var/lib/slurm/slurmctld /var/log/slurm
            cat > $conf.new <<EOF
            # Written by the Asterism agent; changes are overwritten.
            ClusterName=constellation
            SlurmctldHost=$(hostname -s)($address)
            SlurmctldPort=%d
            SlurmctldParameters=enable_configless
            SlurmUser=slurm
            AuthType=auth/munge
            CredType=cred/munge
            StateSaveLocation=/var/lib/slurm/slurmctld
            SlurmdSpoolDir=/var/lib/slurm/slurmd
            SlurmctldPidFile=/run/slurmctld.pid
            SlurmdPidFile=/run/slurmd.pid
            SlurmctldLogFile=/var/log/slurm/slurmctld.log
            SlurmdLogFile=/var/log/slurm/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            MpiDefault=none
            SchedulerType=sched/backfill
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            LaunchParameters=disable_send_gids
            JobRequeue=0
            ReturnToService=1
            MaxNodeCount=1024
            TreeWidth=65533
            Nodeset=%s Feature=%s
            PartitionName=%s Nodes=%s Default=YES MaxTime=INFINITE State=UP
            EOF
            running() { [ -s /run/slurmctld.pid ] && kill -0 "$(cat /run/slurmctld.pid)" 2>/dev/null; }
            if [ -e $conf ] && cmp -s $conf.new $conf; then
              rm -f $conf.new
            else
              chmod 644 $conf.new && mv -f $conf.new $conf
              if running; then
                kill "$(cat /run/slurmctld.pid)"
                for i in $(seq 50); do running || break; sleep 0.2; done
              fi
            fi
            if ! running; then
              rm -f /run/slurmctld.pid
              slurmctld </dev/null >/dev/null 2>&1 || { tail -n 5 /var/log/slurm/slurmctld.log; exit 4; }
            fi
            for i in $(seq 100); do
              scontrol ping 2>/dev/null | grep -q 'is UP' && exit 0
              sleep 0.2
            done
            echo "slurmctld does not answer"; tail -n 5 /var/log/slurm/slurmctld.log; exit 5
            """.formatted(PORT, PARTITION, NODE_FEATURE, PARTITION, PARTITION);

    private final HostCommands commands;
    private final Munge munge;

    SlurmScheduler(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
        this.munge = new Munge(commands);
    }

    @Override
    public PortRange port() {
        return PortRange.tcp(PORT);
    }

    @Override
    public synchronized void ensureScheduler(Ipv4Address overlayAddress) {
        requireNonNull(overlayAddress, "overlayAddress is null");
        boolean ours = commands.readText(SETTINGS).isPresent();
        // A key in place before this scheduler is the package's, the same on every image: never used.
        Secret key = ours ? munge.installedKey().orElseGet(Munge::newKey) : Munge.newKey();
        munge.run(key);
        commands.writeText(SETTINGS, overlayAddress.value() + "\n");
        start(overlayAddress);
    }

    /** Starts the scheduler after a boot, or after it died, when it was set up. */
    synchronized void restore() {
        commands.readText(SETTINGS).map(String::strip).filter(text -> !text.isEmpty()).ifPresent(address -> {
            munge.run(munge.installedKey().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                    "the batch scheduler's key " + Munge.KEY + " is gone; provision the controller again")));
            start(Ipv4Address.of(address));
        });
    }

    private void start(Ipv4Address overlayAddress) {
        HostCommands.Result started = commands.run(List.of("sh", "-c", CONFIGURE_AND_START, "sh",
                overlayAddress.value()), null, Map.of(), TIMEOUT);
        if (!started.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot start slurmctld: " + started.printed() + " (install "
                    + LinuxPackages.hintFor("slurmctld") + "; see /var/log/slurm/slurmctld.log)");
        }
    }

    @Override
    public Secret nodeKey() {
        if (commands.readText(SETTINGS).isEmpty()) {
            throw new GuestException(Code.NOT_FOUND, "the batch scheduler is not set up here");
        }
        return munge.installedKey().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "the batch scheduler's key " + Munge.KEY + " is gone"));
    }

    @Override
    public synchronized List<BatchNodeStatus> nodes() {
        restore();
        forgetLeftNodes();
        String printed = commands.require(List.of("sinfo", "--noheader", "--Node",
                "--format=" + String.join(FIELD, "%N", "%T", "%E", "%c")), "ask slurmctld for its nodes");
        List<BatchNodeStatus> nodes = new ArrayList<>();
        for (String line : printed.lines().map(String::strip).filter(line -> !line.isEmpty()).toList()) {
            String[] fields = line.split(FIELD, -1);
            if (fields.length == 4) {
                String reason = fields[2].strip();
                nodes.add(new BatchNodeStatus(fields[0], fields[1].toLowerCase(Locale.ROOT),
                        reason.equals("none") ? "" : reason, parseInt(fields[3])));
            }
        }
        return List.copyOf(nodes);
    }

    /**
     * Takes the node down at once (its running jobs fail with the reason), and deletes it from Slurm once no job
     * record refers to it any more: slurmctld 22.05 dies answering any request about a job (finished ones included,
     * which it keeps for {@code MinJobAge}, 5 minutes) that ran on a deleted node. Until then the node is listed as
     * down with the reason, and every later call of this part deletes the nodes it may.
     */
    @Override
    public synchronized void admitNode(String nodeName) {
        requireNodeName(nodeName);
        List<String> leaving = leaving();
        if (!leaving.contains(nodeName)) {
            return;
        }
        restore();
        forgetLeftNodes();
        if (leaving().contains(nodeName)) {
            HostCommands.Result resumed = commands.run(List.of("scontrol", "update", "nodename=" + nodeName,
                    "state=resume"), null);
            if (!resumed.succeeded() && !resumed.printed().contains("Invalid node name")) {
                throw new GuestException(Code.UNAVAILABLE, "cannot let " + nodeName + " into Slurm again: "
                        + resumed.printed());
            }
            List<String> kept = new ArrayList<>(leaving());
            kept.remove(nodeName);
            commands.writeText(LEAVING, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
    }

    @Override
    public synchronized void removeNode(String nodeName, String reason) {
        requireNodeName(nodeName);
        requireNonNull(reason, "reason is null");
        String why = reason.isBlank() ? "removed from the constellation" : reason.replaceAll("[\"\\n\\r]", " ");
        restore();
        HostCommands.Result down = commands.run(List.of("scontrol", "update", "nodename=" + nodeName, "state=down",
                "reason=" + why), null);
        if (!down.succeeded()) {
            if (down.printed().contains("Invalid node name")) {
                return;
            }
            throw new GuestException(Code.UNAVAILABLE, "cannot take " + nodeName + " out of Slurm: " + down.printed());
        }
        List<String> leaving = new ArrayList<>(leaving());
        if (!leaving.contains(nodeName)) {
            leaving.add(nodeName);
            commands.writeText(LEAVING, String.join("\n", leaving) + "\n");
        }
        forgetLeftNodes();
    }

    /** Deletes the nodes taken out that are still down and that no job refers to any more. */
    private void forgetLeftNodes() {
        List<String> leaving = leaving();
        if (leaving.isEmpty()) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String node : leaving) {
            HostCommands.Result shown = commands.run(List.of("scontrol", "show", "node", node), null);
            if (!shown.succeeded() && shown.printed().contains("not found")) {
                continue;
            }
            // A member of the same name that came back registered again: it is a node, not one leaving.
            boolean stillDown = shown.output().matches("(?s).*State=DOWN.*");
            HostCommands.Result jobs = commands.run(List.of("squeue", "--noheader", "--states=all",
                    "--nodelist=" + node, "--format=%i"), null);
            if (!stillDown || !jobs.succeeded()) {
                if (stillDown) {
                    kept.add(node);
                }
                continue;
            }
            if (!jobs.output().isBlank()) {
                kept.add(node);
                continue;
            }
            HostCommands.Result deleted = commands.run(List.of("scontrol", "delete", "nodename=" + node), null);
            if (!deleted.succeeded() && !deleted.printed().contains("Invalid node name")) {
                kept.add(node);
            }
        }
        if (!kept.equals(leaving)) {
            commands.writeText(LEAVING, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
    }

    private List<String> leaving() {
        return commands.readText(LEAVING).map(text -> text.lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList()).orElse(List.of());
    }

    static void requireNodeName(String nodeName) {
        requireNonNull(nodeName, "nodeName is null");
        if (!NODE_NAME.matcher(nodeName).matches()) {
            throw new GuestException(Code.INVALID, "a batch node's name is 1 to 63 lower-case letters, digits and"
                    + " hyphens, starting with a letter or digit: " + nodeName);
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }
}
