# t_device_gone.sh with two busy-polling datapath threads.
# vnet-test: alone
VNETD_EXTRA="--poll --threads 2" exec bash "$(dirname "$0")/t_device_gone.sh"
