# The external network test again with the libpcap uplink backend.
BACKEND=pcap
. "$(dirname "$0")/t_external.sh"
