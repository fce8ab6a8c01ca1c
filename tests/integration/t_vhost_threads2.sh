# t_vhost.sh with two datapath threads.
VNETD_EXTRA="--threads 2" exec bash "$(dirname "$0")/t_vhost.sh"
