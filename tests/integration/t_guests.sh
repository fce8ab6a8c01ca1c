# Unmodified Linux guests under QEMU (TCG), NICs served by vnetd over
# vhost-user: two guests ping each other on a private network, one pings the
# host on an internal network (that NIC in client mode: QEMU listens, vnetd
# connects); then vnetd is killed with SIGKILL while a guest pings,
# restarted, and both QEMU's reconnect (server-mode ports) and vnetd's own
# (client-mode port) bring traffic back without restarting the guest.
# Last, guest 2 is live-migrated (QEMU, over loopback) to a new QEMU on
# another vnet port while guest 1 keeps pinging it: vnet's dirty-page
# logging (VHOST_F_LOG_ALL) is what QEMU needs to allow this.
# vnet-test: alone
# vnet-test: no-sanitizer QEMU guests; vnetd's side of vhost-user runs under the sanitizers in t_vhost, t_vhost_hostile and t_vmm_pair
. "$(dirname "$0")/lib.sh"
need_root
need_guest
start_vnetd
vnetctl network create "gp$S" --type private >/dev/null || fail create
vnetctl network create "gi$S" --type internal >/dev/null || fail create
vnetctl port add "gi$S" --host "h$S" --addr 10.212.1.1/24 >/dev/null || fail host
LINKS="$LINKS h$S"
for p in g1a g2 g2d; do
	vnetctl port add "gp$S" --vhost-user "$T/$p.sock" >/dev/null || fail $p
done
vnetctl port add "gi$S" --vhost-user "$T/g1b.sock" --client >/dev/null ||
	fail g1b

# qemu NAME SOCKET... -- KERNEL-ARGS: a guest with one NIC per socket.
qemu() {
	name=$1
	shift
	nics=""
	i=0
	while [ "$1" != -- ]; do
		case $1 in
		*:server) nics="$nics -chardev socket,id=c$i,path=${1%:server},server=on,wait=off" ;;
		*) nics="$nics -chardev socket,id=c$i,path=$1,reconnect=1" ;;
		esac
		nics="$nics -netdev vhost-user,id=n$i,chardev=c$i"
		nics="$nics -device virtio-net-pci,netdev=n$i,mac=52:54:00:12:${QEMU_MAC:-$name}:0$i,vectors=0"
		i=$((i + 1))
		shift
	done
	shift
	# shellcheck disable=SC2086
	qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -nodefaults \
		-no-reboot -serial stdio -kernel "$G/vmlinuz" \
		-initrd "$G/initrd.gz" -append "console=ttyS0 quiet panic=-1 $*" \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-numa node,memdev=mem $nics \
		-monitor "unix:$T/mon$name,server=on,wait=off" ${QEMU_EXTRA:-} \
		>"$T/guest$name.log" 2>&1 &
	PIDS="$PIDS $!"
}

qemu 02 "$T/g2.sock" -- vnet.ip=10.212.0.12/24
qemu 01 "$T/g1a.sock" "$T/g1b.sock:server" -- vnet.ip=10.212.0.11/24 \
	vnet.ip1=10.212.1.11/24 \
	"vnet.run=ping,-c,3,-i,0.2,10.212.0.12;ping,-c,3,-i,0.2,10.212.1.1;ping,-c,1000,-i,0.2,10.212.0.12"
wait_log() { # FILE PATTERN COUNT SECONDS
	for _ in $(seq $(($4 * 5))); do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_log "$T/guest02.log" VNET-GUEST-UP 1 180 || fail "guest 2 did not boot: $(tail -5 "$T/guest02.log")"
wait_log "$T/guest01.log" VNET-GUEST-UP 1 180 || fail "guest 1 did not boot: $(tail -5 "$T/guest01.log")"
log "two Linux guests booted (QEMU TCG)"
wait_log "$T/guest01.log" "from 10.212.0.12" 3 40 ||
	fail "guest 1 cannot ping guest 2: $(tail -8 "$T/guest01.log")"
log "guest 1 -> guest 2 on the private network: 3/3"
wait_log "$T/guest01.log" "from 10.212.1.1:" 3 40 ||
	fail "guest 1 cannot ping the host: $(tail -8 "$T/guest01.log")"
log "guest 1 -> host on the internal network: 3/3"
ping -c 3 -i 0.2 -W 3 10.212.1.11 >/dev/null || fail "host cannot ping guest 1"
log "host -> guest 1: ok"
[ "$(jget .state port show g2)" = up ] || fail "g2 not up"

wait_log "$T/guest01.log" "from 10.212.0.12" 6 30 || fail "long ping did not start"
kill9_vnetd
log "vnetd killed while guest 1 pings guest 2"
before=$(grep -c "from 10.212.0.12" "$T/guest01.log")
sleep 2
start_vnetd
wait_log "$T/guest01.log" "from 10.212.0.12" $((before + 5)) 40 ||
	fail "ping did not resume after the restart: $(tail -5 "$T/guest01.log")"
log "ping resumed after vnetd restarted: $(($(grep -c "from 10.212.0.12" "$T/guest01.log") - before)) more replies, guest not restarted"
for _ in $(seq 20); do
	ping -c 1 -W 1 10.212.1.11 >/dev/null 2>&1 && break
done
ping -c 2 -i 0.2 -W 2 10.212.1.11 >/dev/null || fail "client-mode port did not reconnect"
[ "$(jget .mode port show g1b)" = client ] || fail "g1b not in client mode"
log "client-mode port reconnected to QEMU: host -> guest 1 ok"

# Live migration of guest 2 to a new QEMU on port g2d, over loopback.
mport=$((40000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
QEMU_MAC=02 QEMU_EXTRA="-incoming tcp:127.0.0.1:$mport" qemu 03 "$T/g2d.sock" -- vnet.ip=10.212.0.12/24
before=$(grep -c "from 10.212.0.12" "$T/guest01.log")
python3 - "$T/mon02" "$mport" <<'PY' || fail "migration did not complete"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(1)
def cmd(c):
    # The monitor's answer ends with its next prompt.
    s.sendall((c + '\n').encode())
    out = b''
    try:
        while not out.endswith(b'(qemu) '):
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        pass
    return out.decode(errors='replace')
cmd('')
cmd('migrate -d tcp:127.0.0.1:' + sys.argv[2])
end = time.time() + 120
while time.time() < end:
    out = cmd('info migrate')
    if 'Migration status: completed' in out:
        sys.exit(0)
    if 'Migration status: failed' in out:
        print(out[-400:])
        sys.exit(1)
    time.sleep(0.2)
sys.exit(1)
PY
log "guest 2 live-migrated to a new QEMU on another vnet port"
wait_log "$T/guest01.log" "from 10.212.0.12" $((before + 5)) 40 ||
	fail "guest 1 lost guest 2 after the migration: $(tail -5 "$T/guest01.log")"
[ "$(jget .state port show g2d)" = up ] || fail "destination port not up"
log "guest 1 still reaches guest 2 after the migration: $(($(grep -c "from 10.212.0.12" "$T/guest01.log") - before)) more replies"
ALLOW_LOG='x^'
pass
