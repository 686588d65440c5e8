-- The isolated network a VM's underlay joins: a constellation's name for its members, the VM's own id for a
-- plain VM. Realms that make networks (netns, qemu, libvirt) put VMs of one network on one segment.
ALTER TABLE vms ADD COLUMN network VARCHAR(200) NOT NULL DEFAULT '';
UPDATE vms SET network = id WHERE network = '';
