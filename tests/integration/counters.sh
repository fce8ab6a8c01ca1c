# counters.sh - counter checks shared by tests (sourced after lib.sh).

# balance NET STATS-JSON [LOST]: in a network of two ports (a flood is one
# copy), every frame the switch received was sent or dropped with a name:
# rx = tx + drops, drops made before the switch (truncated, bad_vnet_hdr,
# gso_unsupported, no_buffer, refused offload headers) aside.  With LOST (frames a frontend sent and
# never got back), every one of those must be a named drop too.
balance() {
	b=$(jq --arg n "$1" '[.[] | select(.network == $n)] |
		{rx: (map(.rx_packets) | add), tx: (map(.tx_packets) | add),
		 drops: (map(.drops | del(.truncated, .bad_vnet_hdr,
		   .gso_unsupported, .no_buffer, .offload_not_negotiated,
		   .csum_out_of_frame, .bad_gso_size, .gso_too_big,
		   .gso_bad_frame, .gso_bad_length, .gso_bad_ip_csum) |
		   to_entries | map(.value) | add) | add),
		 before_switch: (map(.drops | .truncated + .bad_vnet_hdr +
		   .gso_unsupported + .no_buffer + .offload_not_negotiated +
		   .csum_out_of_frame + .bad_gso_size + .gso_too_big +
		   .gso_bad_frame + .gso_bad_length + .gso_bad_ip_csum) |
		   add)}' "$2")
	log "$1: $(echo "$b" | jq -c .)"
	[ "$(echo "$b" | jq '.rx == .tx + .drops')" = true ] ||
		fail "$1: counters do not balance: $b"
	if [ -n "${3:-}" ]; then
		named=$(echo "$b" | jq '.drops + .before_switch')
		[ "$3" = "$named" ] ||
			fail "$1: the frontends lost $3 frames, vnetd names $named drops"
	fi
}
