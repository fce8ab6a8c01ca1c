VNIC_SRCS += vnic/vnic.c vnic/vnic_tap.c vnic/vnic_afpacket.c vnic/vnic_pcap.c vnic/vnic_link.c vnic/vnic_dummy.c vnic/vnic_vhost_vq.c vnic/vnic_vhost_user.c
VNIC_SRCS += vnic/vnic_gateway.c vnic/vnic_gateway_nat.c vnic/vnic_gateway_tcp.c \
	vnic/vnic_gateway_v6.c
# Batched tap I/O (vnic_tap.c).
VNIC_SRCS += vnic/vnic_uring.c
# The veth fast path: a BPF object built with clang and embedded in the
# library (vnic_fast_obj.S), loaded with libbpf.
VNIC_SRCS += vnic/vnic_fast.c
VNIC_ASM_OBJS := $(BUILD)/obj/vnic/vnic_fast_obj.o
BPF_CLANG ?= clang
# -mcpu=v3: atomic fetch-and-add (learning's per-port count; Linux 5.12).
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(shell gcc -dumpmachine) -Ivnic

$(BUILD)/obj/vnic/veth_fast.bpf.o: vnic/veth_fast.bpf.c vnic/vnic_fast.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/obj/vnic/vnic_fast_obj.o: vnic/vnic_fast_obj.S $(BUILD)/obj/vnic/veth_fast.bpf.o
	@mkdir -p $(dir $@)
	$(CC) -c -DVNIC_FAST_OBJ='"$(BUILD)/obj/vnic/veth_fast.bpf.o"' -o $@ $<

# veth ports: a packet socket on the host end of a pair the backend owns.
VNIC_SRCS += vnic/vnic_veth.c
