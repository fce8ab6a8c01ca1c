# Out of file descriptors, vnetd stops listening to its control socket for
# a moment instead of spinning on the connection it cannot take (the
# socket stays readable), says so, and takes connections again once
# descriptors are free.
. "$(dirname "$0")/lib.sh"
need_root
command -v prlimit >/dev/null || skip "prlimit not installed"
ALLOW_LOG='cannot take a control connection: Too many open files'
"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" ${VNETD_EXTRA:-} &
VNETD_PID=$!
for _ in $(seq 50); do
	vnetctl status >/dev/null 2>&1 && break
	sleep 0.1
done
vnetctl status >/dev/null || fail "vnetd did not come up"
n=$(ls /proc/"$VNETD_PID"/fd | wc -l)
# Room for a few connections more than vnetd holds now.
prlimit --pid "$VNETD_PID" --nofile=$((n + 8)):$((n + 8)) ||
	fail "cannot lower vnetd's descriptor limit"
"$PY" - "$T/sock" "$VNETD_PID" <<'PY' || fail "vnetd spun or did not recover"
import socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
cs = []
for i in range(40):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    cs.append(s)
time.sleep(0.5)
a = cpu()
time.sleep(2)
used = cpu() - a
print("clock ticks used in 2 s with connections waiting:", used)
if used > 20:
    raise SystemExit("vnetd used %d ticks in 2 s: spinning" % used)
for s in cs:
    s.close()
PY
for _ in $(seq 30); do
	vnetctl status >/dev/null 2>&1 && break
	sleep 0.1
done
vnetctl status >/dev/null || fail "no control connection after descriptors were freed"
grep -q "cannot take a control connection: Too many open files" "$T/vnetd.log" ||
	fail "running out of descriptors was not logged"
log "out of descriptors: no spinning, connections taken again afterwards"
pass
