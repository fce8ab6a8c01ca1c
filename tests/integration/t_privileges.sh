# Least privilege (docs/security.md): after start-up vnetd holds exactly
# CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN and CAP_BPF (effective, permitted and
# bounding), nothing inheritable or ambient, no_new_privs; each datapath
# thread holds no capability and runs under its seccomp filter.  As
# --user it runs under that uid with the same set, its control socket
# belongs to --group, a member of that group is served and anyone else is
# refused, and taps (one in the host, one in a namespace) still work.
. "$(dirname "$0")/lib.sh"
need_root
"$VNETD" --help 2>&1 | grep -q -- '--user' ||
	skip "this vnetd has no --user option (privilege drop not wired in)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v useradd >/dev/null || skip "useradd (passwd) not installed"
# CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_SYS_ADMIN (21), CAP_BPF (39)
WANT=0000008000203000

# field PID-or-PID/task/TID NAME: one line of /proc/.../status, value only.
field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# check_privileges: the whole process, then every datapath thread.
check_privileges() {
	for k in CapEff CapPrm CapBnd; do
		[ "$(field "$VNETD_PID" $k)" = $WANT ] ||
			fail "$k is $(field "$VNETD_PID" $k), want $WANT"
	done
	for k in CapInh CapAmb; do
		[ "$(field "$VNETD_PID" $k)" = 0000000000000000 ] ||
			fail "$k is $(field "$VNETD_PID" $k)"
	done
	[ "$(field "$VNETD_PID" NoNewPrivs)" = 1 ] || fail "no_new_privs not set"
	n=0
	for task in /proc/"$VNETD_PID"/task/*; do
		case $(cat "$task/comm") in vnet-dp*) ;; *) continue ;; esac
		n=$((n + 1))
		t=${task#/proc/}
		[ "$(field "$t" CapEff)" = 0000000000000000 ] ||
			fail "datapath thread $t has capabilities $(field "$t" CapEff)"
		[ "$(field "$t" CapBnd)" = $WANT ] ||
			fail "datapath thread $t bounding set $(field "$t" CapBnd)"
		if [ -n "$SANITIZED" ]; then
			continue
		fi
		[ "$(field "$t" Seccomp)" = 2 ] ||
			fail "datapath thread $t: Seccomp $(field "$t" Seccomp), want 2 (filter)"
	done
	[ $n = 2 ] || fail "found $n datapath threads, want 2"
}

SANITIZED=""
start_vnetd --threads 2
if grep -q "datapath seccomp filter left out" "$T/vnetd.log"; then
	SANITIZED=1
	skip_part seccomp "$(grep -o 'filter left out: [^"]*' "$T/vnetd.log")"
fi
check_privileges
log "root: capabilities $WANT only, datapath threads confined"
stop_vnetd

# As a throwaway system user, the socket given to a throwaway group.
U="vu$S" G="vg$S" M="vm$S"
trap 'cleanup; userdel "$U" 2>/dev/null; userdel "$M" 2>/dev/null; groupdel "$G" 2>/dev/null' EXIT
groupadd --system "$G" || fail "groupadd"
useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$U" ||
	fail "useradd $U"
useradd --system --user-group --no-create-home --shell /usr/sbin/nologin \
	--groups "$G" "$M" || fail "useradd $M"
UID_U=$(id -u "$U")
GID_G=$(getent group "$G" | cut -d: -f3)
# The user keeps its files in $T; clients only pass through it.
rm -f "$T/state.db" "$T/state.db-wal" "$T/state.db-shm"
chown "$U" "$T"
chmod 0711 "$T"
start_vnetd --user "$U" --group "$G" --threads 2
check_privileges
for k in Uid Gid; do
	set -- $(grep "^$k:" /proc/"$VNETD_PID"/status)
	want=$UID_U
	[ $k = Gid ] && want=$(id -g "$U")
	[ "$2 $3 $4 $5" = "$want $want $want $want" ] ||
		fail "$k: $2 $3 $4 $5, want $want everywhere"
done
grep -q "^Groups:.*\b$GID_G\b" /proc/"$VNETD_PID"/status ||
	fail "not in the socket's group: $(grep Groups /proc/"$VNETD_PID"/status)"
[ "$(stat -c '%U %G %a' "$T/sock")" = "$U $G 660" ] ||
	fail "control socket is $(stat -c '%U %G %a' "$T/sock")"
[ "$(stat -c %U "$T/state.db")" = "$U" ] || fail "state file not the user's"
log "--user: uid $UID_U, the same capabilities, socket $U:$G 0660"

setpriv --reuid="$M" --regid="$M" --init-groups "$VNETCTL_BIN" \
	--socket "$T/sock" network list >/dev/null 2>"$T/err" ||
	fail "a member of $G was refused: $(cat "$T/err")"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$VNETCTL_BIN" \
	--socket "$T/sock" network list 2>&1) && fail "uid 65534 was served"
echo "$out" | grep -qiE "denied|not allowed" || fail "refusal unclear: $out"
log "member of $G served; uid 65534 refused: $out"

# Port set-up still works with the reduced set: a tap in the host (a host
# vNIC) and taps in two namespaces.
ns "a$S"
ns "b$S"
vnetctl network create "pr$S" --type internal >/dev/null || fail "create"
LINKS="$LINKS h$S"
vnetctl port add "pr$S" --host "h$S" --addr 10.213.$N.1/24 >/dev/null ||
	fail "host vNIC as $U: $(tail -3 "$T/vnetd.log")"
vnetctl port add "pr$S" --tap "ta$S" --netns "a$S" >/dev/null ||
	fail "namespace tap as $U: $(tail -3 "$T/vnetd.log")"
vnetctl port add "pr$S" --tap "tb$S" --netns "b$S" >/dev/null ||
	fail "namespace tap as $U"
addr "a$S" "ta$S" 10.213.$N.11/24
addr "b$S" "tb$S" 10.213.$N.12/24
pings "a$S" 10.213.$N.12
pings "a$S" 10.213.$N.1
ping -c 2 -i 0.2 -W 2 10.213.$N.12 >/dev/null || fail "host cannot ping b"
vnetctl port del "tb$S" >/dev/null || fail "port del as $U"
ip -n "b$S" link show "tb$S" >/dev/null 2>&1 && fail "tap left in b after port del"
check_privileges
log "taps in the host and in namespaces work as $U; still confined"
pass
