package dev.asterism.core.constellation;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.constellation.AgentCommands.AgentUnavailableException;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Rows;
import dev.asterism.spi.guest.BatchJob;
import dev.asterism.spi.guest.BatchNodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The batch scheduler of a constellation as its people see it: the controller's scheduler says which members are
 * nodes and in what state, and a member that is a node reads the queue (users named as the members know them). Read
 * live from the agents on every call; nothing of it is stored. Submitting stays Slurm's own {@code sbatch} and
 * {@code srun} on a member.
 */
public final class ConstellationBatch {
    private static final String UNSUPPORTED = "UNSUPPORTED";

    private final Store store;
    private final AgentCommands agents;

    public ConstellationBatch(Store store, AgentCommands agents) {
        this.store = requireNonNull(store, "store is null");
        this.agents = requireNonNull(agents, "agents is null");
    }

    /**
     * What the batch scheduler says now.
     *
     * @param scheduler whether the constellation has a batch scheduler at all (its controller's platform runs one)
     * @param nodes the scheduler's nodes, named by member
     * @param jobs the queue, oldest first
     * @param note why a part is missing (no scheduler, no member is a node yet), or empty
     */
    public record Status(boolean scheduler, List<BatchNodeStatus> nodes, List<BatchJob> jobs, String note) {
        public Status {
            nodes = List.copyOf(nodes);
            jobs = List.copyOf(jobs);
            requireNonNull(note, "note is null");
        }
    }

    /**
     * The scheduler's nodes and queue, for anyone who may see the constellation.
     *
     * @throws AsterismException NOT_FOUND for a constellation the caller may not see; CONFLICT unless it is ACTIVE;
     *     AGENT_UNAVAILABLE when the controller cannot be asked
     */
    public Status status(User caller, String constellationName) {
        record Targets(String controllerVmId, List<String> memberVmIds) {}
        Targets targets = store.call(transaction -> {
            Constellation constellation = ConstellationService.visible(transaction, caller, constellationName);
            if (constellation.state() != ConstellationState.ACTIVE) {
                throw new AsterismException(ErrorCode.CONFLICT, "constellation '" + constellationName + "' is "
                        + constellation.state() + ": its batch scheduler answers once it is ACTIVE");
            }
            String controller = transaction.vms().find(constellation.controllerVm()).map(vm -> vm.id())
                    .orElseThrow(() -> new AsterismException(ErrorCode.CONFLICT, "the controlling VM is gone"));
            List<String> members = new ArrayList<>();
            for (Member member : transaction.constellations().members(constellationName, false)) {
                if (member.phase() == MemberPhase.READY && member.vmName() != null) {
                    transaction.vms().find(member.vmName()).ifPresent(vm -> members.add(vm.id()));
                }
            }
            return new Targets(controller, members);
        });
        CommandResult nodes = ask(targets.controllerVmId(), CommandKind.BATCH_NODES, constellationName);
        if (!nodes.ok()) {
            if (UNSUPPORTED.equals(nodes.results().get("code"))) {
                return new Status(false, List.of(), List.of(), "this constellation has no batch scheduler: its"
                        + " controller's guest platform runs none (Slurm runs on real Linux guests)");
            }
            throw new AsterismException(ErrorCode.AGENT_UNAVAILABLE, "the batch scheduler of " + constellationName
                    + " does not answer: " + nodes.message() + "; try again in a moment");
        }
        List<BatchNodeStatus> nodeList = Rows.decode(nodes.results().getOrDefault("nodes", ""), 4).stream()
                .map(row -> new BatchNodeStatus(row.get(0), row.get(1), row.get(2), cpus(row.get(3)))).toList();
        String note = "";
        for (String memberVmId : targets.memberVmIds()) {
            CommandResult jobs;
            try {
                jobs = ask(memberVmId, CommandKind.BATCH_JOBS, constellationName);
            } catch (AsterismException unreachable) {
                note = "no member could be asked for the queue: " + unreachable.getMessage();
                continue;
            }
            if (jobs.ok()) {
                List<BatchJob> jobList = Rows.decode(jobs.results().getOrDefault("jobs", ""), 6).stream()
                        .map(row -> new BatchJob(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4),
                                row.get(5)))
                        .toList();
                return new Status(true, nodeList, jobList, "");
            }
            note = "no member could be asked for the queue: " + jobs.message();
        }
        return new Status(true, nodeList, List.of(), note.isEmpty()
                ? "no member is a batch node yet: jobs run on the Linux members once they are READY" : note);
    }

    private CommandResult ask(String vmId, CommandKind kind, String constellationName) {
        try {
            return agents.execute(vmId, new ControllerCommand("batch/" + UUID.randomUUID(), kind, Map.of()));
        } catch (AgentUnavailableException e) {
            throw new AsterismException(ErrorCode.AGENT_UNAVAILABLE, "an agent of " + constellationName
                    + " cannot be reached now (" + e.getMessage() + "); try again in a moment");
        }
    }

    private static int cpus(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }
}
