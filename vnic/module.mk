VNIC_SRCS += vnic/vnic.c vnic/vnic_tap.c vnic/vnic_afpacket.c vnic/vnic_pcap.c vnic/vnic_link.c vnic/vnic_dummy.c vnic/vnic_vhost_vq.c vnic/vnic_vhost_user.c
VNIC_SRCS += vnic/vnic_gateway.c vnic/vnic_gateway_nat.c
