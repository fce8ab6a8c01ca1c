# t_vhost.sh with two busy-polling datapath threads.
# vnet-test: alone
# vnet-test: no-sanitizer busy-polling variant of t_vhost, which runs under the sanitizers
VNETD_EXTRA="--poll --threads 2" VHOST_RELAXED=1 exec bash "$(dirname "$0")/t_vhost.sh"
