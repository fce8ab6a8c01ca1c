# Unit tests: one cmocka binary per tests/unit/test_*.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libvnet.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The DHCPv6 engine behind a UDP socket, for real clients (tests/tools/dhcp6_clients.sh).
$(BUILD)/vnet-dhcp6-peer: $(BUILD)/obj/tests/tools/dhcp6_peer.o $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
