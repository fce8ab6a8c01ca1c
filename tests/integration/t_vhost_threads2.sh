# t_vhost.sh with two datapath threads.
# vnet-test: alone
# vnet-test: no-sanitizer two-thread variant of t_vhost, which runs under the sanitizers
VNETD_EXTRA="--threads 2" exec bash "$(dirname "$0")/t_vhost.sh"
