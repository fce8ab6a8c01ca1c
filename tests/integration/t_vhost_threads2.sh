# t_vhost.sh with two datapath threads.
# vnet-test: alone
VNETD_EXTRA="--threads 2" exec bash "$(dirname "$0")/t_vhost.sh"
