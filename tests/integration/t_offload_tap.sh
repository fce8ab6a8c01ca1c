# Offloads on taps: two namespaces on vnet taps exchange TCP super-frames
# (vnetd passes frames larger than the MTU whole and counts them) and the
# data arrives intact (md5 of a file sent over TCP).  Ports without the
# offload are covered by t_offload_vhost.sh and t_offload_uplink.sh.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
command -v iperf3 >/dev/null || skip "iperf3 not installed"
command -v ethtool >/dev/null || skip "ethtool not installed"
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "in$S" --type internal >/dev/null || fail "create"
vnetctl port add "in$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "in$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.202.$N.11/24
addr "b$S" "tb$S" 10.202.$N.12/24
pings "a$S" 10.202.$N.12

# The namespaces see a device that segments and checksums for them.
ip netns exec "a$S" ethtool -k "ta$S" | grep -q '^tcp-segmentation-offload: on' ||
	fail "tap in a has no TSO: vnetd did not set its offloads"

# A file over TCP, a -> b, compared by md5.
head -c 48M /dev/urandom >"$T/file"
tcp_copy "a$S" "b$S" 10.202.$N.12 5901 "$T/file" "$T/recv"

whole=$(jget '.superframes_sent_whole' port show "tb$S")
log "super-frames passed whole to b: $whole"
[ "$whole" -gt 0 ] || fail "no super-frame reached b whole"

# iperf3 both ways, short: throughput is a benchmark (bench/offload.sh), here
# only that it moves data and that counters show super-frames both ways.
ip netns exec "b$S" iperf3 -s -1 -D -B 10.202.$N.12 -p 5902 >/dev/null ||
	fail "iperf3 server"
wait_for 5 eval '[ -n "$(ip netns exec "b$S" ss -Hltn "sport = :5902")" ]' ||
	fail "the iperf3 server does not listen"
ip netns exec "a$S" iperf3 -c 10.202.$N.12 -p 5902 -t 2 -R -J >"$T/ip.json" ||
	fail "iperf3 client"
bps=$(jq '.end.sum_received.bits_per_second' "$T/ip.json")
log "iperf3 b -> a: $(echo "$bps" | awk '{printf "%.2f Gbit/s", $1/1e9}')"
whole=$(jget '.superframes_sent_whole' port show "ta$S")
[ "$whole" -gt 0 ] || fail "no super-frame reached a whole"
cut=$(jget '.superframes_segmented' port show "ta$S")
[ "$cut" = 0 ] || fail "$cut super-frames cut for a tap that takes them"
pass
