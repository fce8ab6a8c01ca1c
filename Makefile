# SPDX-License-Identifier: GPL-2.0-or-later
# vnet - top-level build.  `make` builds everything into build/.
#
#   make            build vnetd, vnetctl, vnet-bench
#   make deps       install the Debian packages the build and tests need
#   make test       unit + integration tests (root, namespaces)
#   make unit       cmocka unit tests only
#   make asan       everything built and tested with ASan+UBSan (build-asan/)
#   make tsan       built with ThreadSanitizer (build-tsan/); unit and
#                   integration tests run under it (CI runs it after test)
#   make fuzz       libFuzzer targets (clang) run for a fixed budget
#   make bench      vnet-bench tap scenario vs the kernel bridge
#   make format-check / cppcheck / clang-tidy
#   make install    PREFIX=/usr/local DESTDIR=: binaries, man pages, bash
#                   completion, systemd unit, docs; make uninstall
#   make test-admin the package, systemd and libvirt tests (long)

BUILD    ?= build
.DEFAULT_GOAL := all
CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 jansson sqlite3 libpcap liburing
SAN      ?=
OPT      ?= -O2 -g

CPPFLAGS += -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -I. \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS   += -std=gnu11 $(OPT) -Wall -Wextra -Wformat=2 -Wshadow \
	    -Wmissing-prototypes -Wno-unused-parameter -Werror \
	    -fstack-protector-strong -fPIE -pthread $(SAN)
LDFLAGS  += -pie -Wl,-z,relro,-z,now -pthread $(SAN)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The veth fast path's loader (vnic/vnic_fast.c).
LDLIBS   += -lbpf

LIB_SRCS :=
VSWITCH_SRCS :=
VNIC_SRCS :=
DHCP_SRCS :=
NAT_SRCS :=
TEAM_SRCS :=
SRIOV_SRCS :=
VNETD_SRCS :=
VNETCTL_SRCS :=
BENCH_SRCS :=
VMM_SRCS :=
UNIT_TESTS :=

include lib/module.mk
include vmm-glue/module.mk
include vswitch/module.mk
include vnic/module.mk
include dhcp/module.mk
include nat/module.mk
include teaming/module.mk
include sriov/module.mk
include vnetd/module.mk
include vnetctl/module.mk
include bench/module.mk
include tests/module.mk

CORE_SRCS := $(LIB_SRCS) $(VSWITCH_SRCS) $(VNIC_SRCS) $(DHCP_SRCS) \
	     $(NAT_SRCS) $(TEAM_SRCS) $(SRIOV_SRCS)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(VNIC_ASM_OBJS)
VNETD_OBJS := $(VNETD_SRCS:%.c=$(BUILD)/obj/%.o)
VNETCTL_OBJS := $(VNETCTL_SRCS:%.c=$(BUILD)/obj/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)
VMM_OBJS := $(VMM_SRCS:%.c=$(BUILD)/obj/%.o)

BINS := $(BUILD)/vnetd $(BUILD)/vnetctl $(BUILD)/vnet-bench $(BUILD)/vnet-vu-peer \
	$(BUILD)/vnet-vmm $(BUILD)/guest-min.elf

# Keep unit-test objects between runs.
.SECONDARY:

.PHONY: all deps test unit integration asan tsan fuzz bench demo clean \
	format format-check cppcheck clang-tidy test-lint
all: $(BINS)

$(BUILD)/libvnet.a: $(CORE_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/vnetd: $(VNETD_OBJS) $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vnetctl: $(VNETCTL_OBJS) $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vnet-bench: $(BENCH_OBJS) $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vnet-vmm: $(VMM_OBJS) $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/guest-min.elf: $(TG_SRCS) $(wildcard vmm-glue/testguest/*.h) \
		vmm-glue/testguest/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(TG_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-z,noexecstack -Wl,-T,vmm-glue/testguest/guest.ld \
		-o $@ $(TG_SRCS)

$(BUILD)/vnet-vu-peer: $(BUILD)/obj/tests/tools/vu_peer.o $(BUILD)/libvnet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@sh tests/deps.sh

unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

integration: all
	@sh tests/integration/run.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		CPPFLAGS_EXTRA= all unit
	@ASAN_OPTIONS=detect_leaks=1 sh tests/integration/run.sh build-asan

# clang: GCC's TSan does not model fences.  A race report stops the
# process (halt_on_error), so the test fails.  The integration tests are
# those the sanitizer stage of make test runs (about 4 minutes).
tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=thread -fno-omit-frame-pointer" all unit
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		sh tests/integration/run.sh build-tsan

fuzz:
	@sh tests/fuzz/run.sh

bench: all
	@sh bench/run.sh $(BUILD)
	@bash bench/vhost.sh $(BUILD)
	@sh bench/vhost-scenarios.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

clean:
	rm -rf build build-asan build-tsan build-fuzz

SRC_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(SRC_FILES)
format-check:
	@clang-format --dry-run --Werror $(SRC_FILES) && echo "format ok"
cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance \
		--inline-suppr -D__linux__ -I. $(CORE_SRCS) $(VNETD_SRCS) $(VNETCTL_SRCS)
# Test scripts: a poll (wait_for) of a "$(...)" that the shell expands
# once, before the first try, waits for nothing and fails on a loaded
# machine; poll a function instead.
test-lint:
	@! grep -nE 'wait_for [0-9.]+ (test|\[) [^|]*\$$\(' \
		tests/integration/*.sh tests/admin/*.sh tests/*.sh || \
		{ echo "poll a function, not a \$$(...) expanded once"; exit 1; }
	@echo "test scripts ok"
clang-tidy:
	clang-tidy $(CORE_SRCS) -- $(CPPFLAGS) -std=gnu11

# ---- installation (docs/admin.md) ----
PREFIX         ?= /usr/local
BINDIR         ?= $(PREFIX)/bin
SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
DOCDIR         ?= $(PREFIX)/share/doc/vnet
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
INSTALL        ?= install
DOCS := README.md $(wildcard docs/*.md)

.PHONY: install install-bench install-vmm uninstall test-admin
install: install-bench install-vmm
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	$(INSTALL) -m 0755 $(BUILD)/vnetd $(DESTDIR)$(SBINDIR)/vnetd
	$(INSTALL) -m 0755 $(BUILD)/vnetctl $(DESTDIR)$(BINDIR)/vnetctl
	$(INSTALL) -m 0644 docs/man/vnetd.8 docs/man/vnetctl.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 dist/bash-completion/vnetctl $(DESTDIR)$(BASHCOMPDIR)/vnetctl
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		dist/systemd/vnetd.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/vnetd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vnetd.service
	$(INSTALL) -m 0644 dist/sysusers/vnet.conf $(DESTDIR)$(SYSUSERSDIR)/vnet.conf
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		getent group vnet >/dev/null || groupadd --system vnet; \
		[ -d /run/systemd/system ] && systemctl daemon-reload || true; \
		echo "installed; start with: systemctl enable --now vnetd"; \
	fi

# vnet-bench alone (the Debian package puts it in its own package).
install-bench: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BUILD)/vnet-bench $(DESTDIR)$(BINDIR)/vnet-bench
	$(INSTALL) -m 0644 docs/man/vnet-bench.1 $(DESTDIR)$(MANDIR)/man1/

# vnet-vmm alone (its own Debian package).
install-vmm: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BUILD)/vnet-vmm $(DESTDIR)$(BINDIR)/vnet-vmm
	$(INSTALL) -m 0644 docs/man/vnet-vmm.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vnetd $(DESTDIR)$(BINDIR)/vnetctl \
		$(DESTDIR)$(BINDIR)/vnet-bench $(DESTDIR)$(BINDIR)/vnet-vmm \
		$(DESTDIR)$(MANDIR)/man1/vnet-vmm.1 \
		$(DESTDIR)$(MANDIR)/man8/vnetd.8 $(DESTDIR)$(MANDIR)/man8/vnetctl.8 \
		$(DESTDIR)$(MANDIR)/man1/vnet-bench.1 \
		$(DESTDIR)$(BASHCOMPDIR)/vnetctl \
		$(DESTDIR)$(SYSTEMDUNITDIR)/vnetd.service \
		$(DESTDIR)$(SYSUSERSDIR)/vnet.conf
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	@echo "left in place: /var/lib/vnet (state), the vnet group"

test-admin: all
	@sh tests/integration/run.sh $(BUILD) tests/admin/t_*.sh

