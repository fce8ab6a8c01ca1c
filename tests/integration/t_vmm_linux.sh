# vnet-vmm boots the Debian kernel.  On hardware KVM (kvm_intel/kvm_amd):
# the bzImage with the test initramfs runs to its init process.  On the
# emulated (PVM-style) KVM of CI machines, ordinary guest code runs at about
# a million instructions per second, so only an opt-in smoke test runs
# (VNET_VMM_LINUX=1): the ELF vmlinux through its PVH entry prints its
# banner and the e820 map vnet-vmm gave it on the serial console, and finds
# both vCPUs and the IOAPIC in vnet-vmm's MP table.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
[ -c /dev/kvm ] || skip "no /dev/kvm (vnet-vmm needs KVM)"
VMM=$(readlink -f "$BUILD/vnet-vmm")
. "$(dirname "$0")/../../vmm-glue/hw_kvm.sh"
HW=no
hw_kvm && HW=yes
if [ $HW = no ] && [ "${VNET_VMM_LINUX:-0}" != 1 ]; then
	skip "KVM here is emulated (no kvm_intel/kvm_amd): the hardware-KVM Linux boot cannot run; set VNET_VMM_LINUX=1 for the PVH smoke test (about a minute)"
fi
G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot get the Debian kernel: $(tail -1 "$T/guest-build.log")"

# run_until LOG TIMEOUT REGEX ARGS...: boot, stop with SIGTERM once REGEX
# shows up on the console (or at TIMEOUT seconds).
run_until() {
	log_file=$1 limit=$2 want=$3
	shift 3
	"$VMM" run "$@" </dev/null >"$log_file" 2>"$log_file.err" &
	pid=$!
	PIDS="$PIDS $pid"
	i=0
	while [ $i -lt $((limit * 2)) ] && kill -0 $pid 2>/dev/null; do
		grep -q "$want" "$log_file" && break
		sleep 0.5
		i=$((i + 1))
	done
	kill -TERM $pid 2>/dev/null
	wait $pid
	RC=$?
}

if [ $HW = no ]; then
	# The ELF vmlinux inside Debian's bzImage (xz-compressed payload).
	"$PY" - "$G/vmlinuz" "$T/vmlinux" <<'PY' || fail "cannot extract vmlinux"
import lzma, sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\xfd7zXZ\x00")
if i < 0:
    sys.exit("no xz payload")
dec = lzma.LZMADecompressor()
open(sys.argv[2], "wb").write(dec.decompress(d[i:]))
PY
	run_until "$T/linux.out" 150 "smpboot: Allowing" \
		--kernel "$T/vmlinux" --mem 256M --cpus 2 \
		--cmdline "earlyprintk=serial,ttyS0,115200 console=ttyS0"
	sed 's/^/    /' "$T/linux.out" | head -12
	grep -q "Linux version" "$T/linux.out" || fail "no kernel banner"
	grep -q "BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable" \
		"$T/linux.out" || fail "the e820 map lacks low RAM"
	grep -q "BIOS-e820: \[mem 0x0000000000100000-0x000000000fffffff\] usable" \
		"$T/linux.out" || fail "the e820 map lacks RAM above 1 MiB"
	grep -q "MPTABLE: Product ID: VNET-VMM" "$T/linux.out" ||
		fail "the kernel did not find the MP table"
	grep -q "IOAPIC\[0\]: apic_id 2, .* address 0xfec00000" "$T/linux.out" ||
		fail "the kernel did not find the IOAPIC"
	grep -q "smpboot: Allowing 2 CPUs" "$T/linux.out" ||
		fail "the kernel did not see both vCPUs"
	[ $RC = 143 ] || { cat "$T/linux.out.err"; fail "vnet-vmm exited $RC on SIGTERM"; }
	log "PVH smoke test: banner, e820 map and MP table (2 CPUs, IOAPIC)"
	log "skipped: booting to init (needs hardware KVM)"
else
	run_until "$T/linux.out" 120 "Run /init as init process" \
		--kernel "$G/vmlinuz" --initrd "$G/initrd.gz" --mem 512M \
		--cmdline "console=ttyS0 panic=-1"
	tail -5 "$T/linux.out" | sed 's/^/    /'
	grep -q "Run /init as init process" "$T/linux.out" ||
		fail "the kernel did not reach its init process"
	log "bzImage + initramfs booted to init on hardware KVM"
fi
pass
