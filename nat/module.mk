# nat/: the NAT engine (connection tracking, SNAT/DNAT, persistent table)
NAT_SRCS += nat/nat_table.c nat/nat_ct.c nat/nat_xlate.c nat/nat_fwd.c \
	    nat/nat_frag.c nat/nat_icmp.c
