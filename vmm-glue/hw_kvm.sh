# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hw_kvm.sh - sourced by tests and the demo: hw_kvm succeeds when /dev/kvm
# is hardware KVM (kvm_intel or kvm_amd loaded), where vnet-vmm boots
# unmodified Linux guests, and fails on the emulated (PVM-style) KVM of CI
# machines, where ordinary guest code runs at about a million instructions
# per second (the test guest works; Linux only reaches its banner).
hw_kvm() {
	[ -c /dev/kvm ] || return 1
	[ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]
}
