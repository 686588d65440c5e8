package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

/**
 * What one user's VMs of a project ran in a period: hours in state RUNNING, and those hours times each VM's vCPUs.
 *
 * @param vms how many of the user's VMs ran at some time in the period
 */
public record UsageRecord(String project, String username, int vms, double vmHours, double vcpuHours) {
    public UsageRecord {
        requireNonNull(project, "project is null");
        requireNonNull(username, "username is null");
    }

    /** The records as CSV with a header line: project, user, VMs, VM-hours, vCPU-hours. */
    public static String csv(java.util.List<UsageRecord> records) {
        StringBuilder csv = new StringBuilder("project,user,vms,vm_hours,vcpu_hours\n");
        for (UsageRecord record : records) {
            // Names are DNS labels and user names: no commas, quotes or line breaks to escape.
            csv.append(record.project()).append(',').append(record.username()).append(',').append(record.vms())
                    .append(',').append(record.vmHours()).append(',').append(record.vcpuHours()).append('\n');
        }
        return csv.toString();
    }
}
