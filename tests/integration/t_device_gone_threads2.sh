# t_device_gone.sh with two datapath threads: a port's device may vanish
# while another thread transmits to it.
VNETD_EXTRA="--threads 2" exec bash "$(dirname "$0")/t_device_gone.sh"
