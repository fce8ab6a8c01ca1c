# End to end through NAT: an unmodified Linux guest under QEMU (TCG), its
# NIC a vnet vhost-user port on a NAT network, gets its address from vnet's
# DHCP at boot and fetches a page from an HTTP server in an "outside"
# namespace behind the external network; the server sees the NAT address.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 not installed"
[ -x /bin/busybox ] || skip "busybox-static not installed"
G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the test guest: $(tail -1 "$T/guest-build.log")"
start_vnetd
X="ex$S" L="lb$S"
OUT=10.222.0.1 NATIP=10.222.0.2
ns "o$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" $OUT/24
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl network create "$L" --type private --subnet 10.223.0.0/24 --dhcp \
	--nat-via "$X" --nat-address $NATIP/24 >/dev/null || fail "create $L"
vnetctl port add "$L" --vhost-user "$T/g.sock" >/dev/null || fail port
ip netns exec "o$S" "$PY" - $OUT >"$T/srv.log" 2>&1 <<'PY' &
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("VNET-PAGE peer=%s\n" % self.client_address[0]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
socketserver.TCPServer.allow_reuse_address = True
srv = socketserver.TCPServer((sys.argv[1], 8080), H)
print("ready", flush=True)
srv.serve_forever()
PY
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/srv.log" && break; sleep 0.1; done
MAC=52:54:00:22:30:01
qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -nodefaults \
	-no-reboot -serial stdio -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 vnet.run=udhcpc,-i,eth0,-s,/usr/share/udhcpc/default.script,-q,-n,-t,20,-T,2;wget,-q,-O,-,http://$OUT:8080/" \
	-object memory-backend-memfd,id=mem,size=256M,share=on \
	-numa node,memdev=mem -chardev socket,id=c0,path="$T/g.sock",reconnect=1 \
	-netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,mac=$MAC,vectors=0 >"$T/guest.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 240); do grep -q VNET-RUN-EXIT "$T/guest.log" && break; sleep 1; done
grep -q VNET-GUEST-UP "$T/guest.log" || fail "guest did not boot: $(tail -5 "$T/guest.log")"
grep -q "VNET-DHCP-BOUND 10.223.0." "$T/guest.log" ||
	fail "guest got no lease: $(grep -i -E 'udhcpc|VNET' "$T/guest.log" | tail -5)"
log "the guest got $(grep -o 'VNET-DHCP-BOUND [0-9.]*' "$T/guest.log" | cut -d' ' -f2) from vnet's DHCP"
grep -q "VNET-PAGE peer=$NATIP" "$T/guest.log" ||
	fail "guest did not fetch the page through NAT: $(tail -8 "$T/guest.log")"
log "the guest fetched the outside page; the server saw $NATIP"
pass
