# bash completion for vnetctl: `complete -p vnetctl` names the function;
# objects, verbs and options complete from vnetctl's own --help; names of
# networks and ports come from a running vnetd (the --socket on the command
# line is used).  Run with bash-completion's _init_completion when that
# package is installed, and without it.
. "$(dirname "$0")/lib.sh"
need_root
COMP=${COMP_FILE:-dist/bash-completion/vnetctl}
[ -f "$COMP" ] || fail "no $COMP"
start_vnetd
vnetctl network create "lab$S" --type internal >/dev/null || fail "create lab"
vnetctl network create "lan$S" --type private >/dev/null || fail "create lan"
vnetctl network create "other$S" --type private >/dev/null || fail "create other"
vnetctl port add "lab$S" --vhost-user "$T/vm$S.sock" >/dev/null || fail "port"

# complete WORD...: what bash completes for the last word of the line
# "vnetctl --socket SOCK WORD..." (the last WORD may be empty).
complete_line() {
	bash -c '
		[ -n "$WITH_BC" ] && . /usr/share/bash-completion/bash_completion
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_vnetctl vnetctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' _ "$COMP" vnetctl --socket "$T/sock" "$@"
}

# expect "WORDS" "EXPECTED REPLIES": one line of completion, checked.
expect() {
	got=$(complete_line $1 "${3:-}" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || fail "completing 'vnetctl $1 ${3:-}': got '$got', want '$2'"
}

# The objects vnetctl --help lists (new ones appear here by themselves).
build_objects() {
	"$VNETCTL_BIN" --help | grep -E '^  [a-z]' | awk '{print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
export PATH="$(dirname "$VNETCTL_BIN"):$PATH"
modes=plain
[ -f /usr/share/bash-completion/bash_completion ] && modes="plain bash-completion" ||
	skip_part bash-completion "package bash-completion not installed (tested without _init_completion)"
for mode in $modes; do
	WITH_BC=""
	[ $mode = bash-completion ] && WITH_BC=1
	export WITH_BC
	reg=$(bash -c '. "$1"; complete -p vnetctl' _ "$COMP")
	[ "$reg" = "complete -F _vnetctl vnetctl" ] || fail "complete -p vnetctl: '$reg'"
	expect "" "$(build_objects)"
	expect "" "network" "ne"
	expect "network" "create delete list set show"
	expect "port" "set show" "s"
	# Names of existing networks, from vnetd.
	expect "network show" "lab$S lan$S" "la"
	expect "network delete" "other$S" "o"
	expect "port add" "lab$S lan$S other$S"
	expect "port show" "vm$S"
	expect "stats --network" "lab$S" "lab"
	expect "stats --port" "vm$S"
	expect "mac show" "lan$S" "lan"
	# Options of one command, from its --help.
	expect "network create x" "--fdb-size" "--f"
	expect "network create x" "--type" "--t"
	expect "network create x --type" "internal" "i"
	expect "port add lab$S" "--mac --mac-guard --mac-limit" "--mac"
	expect "port add lab$S --vlan 5" "--vhost-user" "--vh"
	# A new object's name is not completed.
	expect "network create" "" "la"
	expect "log set" "debug" "d"
	expect "dhcp" "release reservations reserve" "re"
	expect "dhcp reserve" "lab$S" "lab"
	log "completion ok ($mode)"
done
# vnetd not reachable: no names, no error output, no hang.
stop_vnetd
out=$(complete_line network show "" 2>&1)
[ -z "$out" ] || fail "completion without vnetd printed '$out'"
pass
