# Offloads over vhost-user, end to end with QEMU guests (TCG): a namespace
# on a vnet tap serves a page; guest 1 (offloads on: the guest takes and
# sends TCP super-frames) fetches it and posts it back; guest 2 (QEMU's
# guest_tso4/6 off: it takes no super-frames) fetches it too.  vnetd must
# pass super-frames whole to guest 1 and from guest 1 to the tap, cut them
# into MSS-sized segments with finished checksums for guest 2, and every
# copy must arrive intact (md5).
# vnet-test: alone
# vnet-test: no-sanitizer QEMU guests; offloads run under the sanitizers in t_offload_tap, t_offload_uplink and t_offload_hostile
. "$(dirname "$0")/lib.sh"
need_root
need_guest
start_vnetd
ns "a$S"
vnetctl network create "of$S" --type internal >/dev/null || fail create
vnetctl port add "of$S" --tap "ta$S" --netns "a$S" >/dev/null || fail tap
vnetctl port add "of$S" --vhost-user "$T/g1.sock" >/dev/null || fail g1
vnetctl port add "of$S" --vhost-user "$T/g2.sock" >/dev/null || fail g2
addr "a$S" "ta$S" 10.214.$N.1/24
# ta's super-frames to the guests; its port shows them passed or cut.
# Text: busybox wget posts a file up to its first NUL byte.
head -c 4500000 /dev/urandom | base64 -w 0 >"$T/page"
want=$(md5sum <"$T/page" | cut -d' ' -f1)
ip netns exec "a$S" $PY -c '
import hashlib, http.server, sys
page = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
    def do_POST(self):
        n = int(self.headers["Content-Length"])
        body = b""
        while len(body) < n:
            d = self.rfile.read(n - len(body))
            if not d: break
            body += d
        open(sys.argv[2], "w").write(hashlib.md5(body).hexdigest())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("10.214.'"$N"'.1", 8080), H).serve_forever()
' "$T/page" "$T/up.md5" &
PIDS="$PIDS $!"

# qemu NAME SOCKET DEVICE-OPTIONS KERNEL-ARGS...
qemu() {
	name=$1 sock=$2 opts=$3
	shift 3
	qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -nodefaults \
		-no-reboot -serial stdio -kernel "$G/vmlinuz" \
		-initrd "$G/initrd.gz" -append "console=ttyS0 quiet panic=-1 $*" \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-numa node,memdev=mem \
		-chardev socket,id=c0,path="$sock",reconnect=1 \
		-netdev vhost-user,id=n0,chardev=c0 \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:14:$name:01,vectors=0$opts \
		>"$T/guest$name.log" 2>&1 &
	PIDS="$PIDS $!"
}
U=http://10.214.$N.1:8080
qemu 01 "$T/g1.sock" "" vnet.ip=10.214.$N.11/24 \
	"vnet.run=wget,-q,-O,/tmp/p,$U/page;md5sum,/tmp/p;wget,-q,-O,/dev/null,--post-file,/tmp/p,$U/up;echo,POSTED"
qemu 02 "$T/g2.sock" ",guest_tso4=off,guest_tso6=off,guest_ecn=off" \
	vnet.ip=10.214.$N.12/24 "vnet.run=wget,-q,-O,/tmp/p,$U/page;md5sum,/tmp/p"
wait_log() { # FILE PATTERN SECONDS
	for _ in $(seq $(($3 * 5))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
wait_log "$T/guest01.log" VNET-RUN-EXIT 150 ||
	fail "guest 1 did not finish: $(tail -5 "$T/guest01.log")"
wait_log "$T/guest02.log" VNET-RUN-EXIT 60 ||
	fail "guest 2 did not finish: $(tail -5 "$T/guest02.log")"
grep -q "^$want " "$T/guest01.log" ||
	fail "guest 1 got a damaged page: $(grep -a /tmp/p "$T/guest01.log")"
log "guest 1 (offloads on) fetched 6 MB intact"
grep -q "^$want " "$T/guest02.log" ||
	fail "guest 2 got a damaged page: $(grep -a /tmp/p "$T/guest02.log")"
log "guest 2 (no TSO) fetched 6 MB intact"
grep -q POSTED "$T/guest01.log" || fail "guest 1 could not post the page"
[ "$(cat "$T/up.md5" 2>/dev/null)" = "$want" ] ||
	fail "the page guest 1 posted arrived damaged: $(cat "$T/up.md5" 2>&1) $(tail -3 "$T/guest01.log")"
log "guest 1 posted 6 MB back intact"

feat=$(jget '.features | join(",")' port show "$(jget '.[] | select(.socket=="'"$T/g1.sock"'") | .name' port list)")
g1=$(jget '.[] | select(.socket=="'"$T/g1.sock"'") | .name' port list)
g2=$(jget '.[] | select(.socket=="'"$T/g2.sock"'") | .name' port list)
log "guest 1 negotiated: $(jget '.features | join(",")' port show "$g1")"
jget '.features[]' port show "$g1" | grep -qx guest_tso4 ||
	fail "guest 1 did not negotiate guest_tso4"
jget '.features[]' port show "$g2" | grep -qx guest_tso4 &&
	fail "guest 2 negotiated guest_tso4 though QEMU turned it off"
w1=$(jget '.superframes_sent_whole' port show "$g1")
c2=$(jget '.superframes_segmented' port show "$g2")
wt=$(jget '.superframes_sent_whole' port show "ta$S")
log "super-frames: whole to guest 1 $w1, cut for guest 2 $c2, whole from guest 1 to the tap $wt"
[ "$w1" -gt 0 ] || fail "no super-frame reached guest 1 whole"
[ "$c2" -gt 0 ] || fail "no super-frame was cut for guest 2"
[ "$(jget '.superframes_segmented' port show "$g1")" = 0 ] ||
	fail "super-frames cut for guest 1, which takes them"
[ "$wt" -gt 0 ] || fail "guest 1 sent no super-frame to the tap"
# Every receive buffer vnetd took from a guest went back to it, used or
# untouched: a super-frame's buffers are taken apart from the burst's.
for g in "$g1" "$g2"; do
	lost=1
	for _ in 1 2 3 4 5; do
		lost=$(jget '[.queues[] | select(.direction == "to-guest") |
			select(.last_avail != .last_used)] | length' port show "$g")
		[ "$lost" = 0 ] && break
		sleep 0.2
	done
	[ "$lost" = 0 ] || fail "$g: receive buffers taken and never given back: $(jget '.queues' port show "$g")"
done
pass
