VNIC_SRCS += vnic/vnic.c vnic/vnic_tap.c vnic/vnic_afpacket.c vnic/vnic_pcap.c vnic/vnic_link.c vnic/vnic_dummy.c
