# SPDX-License-Identifier: GPL-2.0
# TTP: build the module (ttp.ko), its KUnit suites and the user-space tools
# against a kernel tree, the kbuild way.
KDIR ?= /lib/modules/$(shell uname -r)/build
KSFT_DIR ?= $(shell tools/ksft-dir $(KDIR))

SELFTESTS := tools/testing/selftests/ttp
TTPCAT := tools/ttpcat/ttpcat

all: module tools

module: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools: $(TTPCAT)
	$(MAKE) -C $(SELFTESTS) KSFT_DIR=$(KSFT_DIR)
	$(MAKE) -C tools/ttpstat KSFT_DIR=$(KSFT_DIR)
	$(MAKE) -C tools/ttp-run

$(TTPCAT): $(TTPCAT).c include/uapi/linux/ttp.h
	$(CC) -O2 -Wall -Wextra -Iinclude/uapi -o $@ $<

kdir:
	@test -d $(KDIR) || { echo "No kernel tree at KDIR=$(KDIR):" \
		"install linux-headers-amd64 and pass KDIR=/usr/src/linux-headers-VERSION-amd64"; \
		exit 1; }

# The two commands of the README.
demo:
	tools/demo/run

# make check KERNEL=6.12: the same on the 6.12 debug kernel (tools/check).
KERNEL ?= 6.1

check:
	KERNEL=$(KERNEL) tools/check

# Two VMs, the 6.1 and 6.12 debug kernels, on one virtual link: 64 MiB
# each way over one connection (tools/vm/pair).
check-pair:
	tools/vm/pair

# TTP against TCP on a kernel without debug checkers: ratios, not a test.
bench:
	tools/bench/run

# The same through an emulated 10 Mbit/s, 20 ms bottleneck: goodput under
# loss and fairness between flows (tools/bench/net); about ten minutes.
bench-net:
	tools/bench/net

# The SYN flood each listener holds, TTP's beside TCP's, on the same kernel
# as make bench: about eight minutes (tools/bench/flood).
bench-flood:
	tools/bench/flood

# The fuzzers and difftest with counts far beyond make check's: hours (tools/stress).
stress:
	tools/stress

# make install [DESTDIR=DIR] [PREFIX=/usr/local] [KDIR=...]: ttp.ko into
# /lib/modules/KVER/extra (then depmod, unless DESTDIR is set, as packaging
# does), the tools, the header and the man pages under PREFIX.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
# ttp-run loads libttp-preload.so from the directory of its own executable,
# symbolic links resolved: both go here, and BINDIR/ttp-run links to it.
TTPRUNDIR ?= $(LIBDIR)/ttp
# The release KDIR was built for, as ttp.ko's vermagic has it.  Debian's
# headers have the upstream version in include/config/kernel.release (and
# make kernelrelease), not the one uname -r shows: UTS_RELEASE first.
KVER ?= $(or $(shell sed -n 's/^.define UTS_RELEASE "\(.*\)"$$/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null), \
	     $(shell $(MAKE) -s --no-print-directory -C $(KDIR) kernelrelease 2>/dev/null))
MODDIR ?= /lib/modules/$(KVER)/extra
DEPMOD ?= depmod
INSTALL ?= install
MAN_PAGES := tools/ttpcat/ttpcat.1 tools/ttp-run/ttp-run.1 module/ttp.7 \
	     tools/ttpstat/ttpstat.8

install: module $(TTPCAT)
	$(MAKE) -C tools/ttpstat ttpstat
	$(MAKE) -C tools/ttp-run
	@test -n "$(KVER)" || { echo "install: no kernel release in KDIR=$(KDIR); pass KVER=..."; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(MODDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(TTPRUNDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(addprefix $(DESTDIR)$(MANDIR)/man,1 7 8)
	$(INSTALL) -m 644 ttp.ko $(DESTDIR)$(MODDIR)/
	$(INSTALL) -m 755 $(TTPCAT) tools/ttpstat/ttpstat $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 tools/ttp-run/ttp-run $(DESTDIR)$(TTPRUNDIR)/
	$(INSTALL) -m 644 tools/ttp-run/libttp-preload.so $(DESTDIR)$(TTPRUNDIR)/
	ln -sfr $(DESTDIR)$(TTPRUNDIR)/ttp-run $(DESTDIR)$(BINDIR)/ttp-run
	$(INSTALL) -m 644 include/uapi/linux/ttp.h $(DESTDIR)$(INCLUDEDIR)/linux/
	$(foreach p,$(MAN_PAGES),$(INSTALL) -m 644 $(p) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/ &&) true
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

uninstall:
	@test -n "$(KVER)" || { echo "uninstall: no kernel release in KDIR=$(KDIR); pass KVER=..."; exit 1; }
	rm -f $(DESTDIR)$(MODDIR)/ttp.ko
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,ttpcat ttpstat ttp-run)
	rm -f $(addprefix $(DESTDIR)$(TTPRUNDIR)/,ttp-run libttp-preload.so)
	if [ -d $(DESTDIR)$(TTPRUNDIR) ]; then rmdir --ignore-fail-on-non-empty $(DESTDIR)$(TTPRUNDIR); fi
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/ttp.h
	rm -f $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

# DKMS (dkms.conf): the module's source in DKMS_SRC, built and installed
# for KVER now and, with AUTOINSTALL, for every kernel installed later.
# tools/dkms-check runs the same build in a scratch DKMS tree.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf 2>/dev/null)
DKMS_SRC ?= /usr/src/ttp-$(DKMS_VERSION)
DKMS_FILES = Kbuild dkms.conf $(wildcard module/*.[ch] kunit/*.[ch]) \
	     include/uapi/linux/ttp.h

# Only the files kbuild needs, none of the build's.
dkms-source:
	@test -n "$(DKMS_VERSION)" || { echo "dkms-source: no PACKAGE_VERSION in dkms.conf"; exit 1; }
	rm -rf $(DKMS_SRC)
	$(INSTALL) -d $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/

dkms-install:
	@test -n "$(KVER)" || { echo "dkms-install: no kernel release in KDIR=$(KDIR); pass KVER=..."; exit 1; }
	if dkms status -m ttp -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m ttp -v $(DKMS_VERSION) --all; fi
	$(MAKE) dkms-source
	dkms add -m ttp -v $(DKMS_VERSION)
	dkms build -m ttp -v $(DKMS_VERSION) -k $(KVER)
	dkms install -m ttp -v $(DKMS_VERSION) -k $(KVER)

dkms-uninstall:
	if dkms status -m ttp -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m ttp -v $(DKMS_VERSION) --all; fi
	rm -rf $(DKMS_SRC)

# ttp.ko for Debian's own kernel (tools/vm/run --stock), against the stock
# headers, from a copy of the sources in build/stock: the test kernel's
# build in this tree stays as it is.
STOCK_KDIR ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)

stock-module:
	@test -n "$(STOCK_KDIR)" || { echo "stock-module: no stock headers (tools/vm/setup)"; exit 1; }
	rm -rf build/stock
	$(MAKE) dkms-source DKMS_SRC=$(CURDIR)/build/stock
	$(MAKE) -C $(STOCK_KDIR) M=$(CURDIR)/build/stock modules

# ttp.ko and ttp_kunit.ko for the 6.12 debug test kernel (TTP_KERNEL=6.12
# tools/vm/run), built the same way in build/6.12.  The tree is built on
# first use: 23 minutes on two cores.
KDIR_612 ?= $(shell tools/vm/build-kernel --version 6.12)

module-6.12:
	@test -d "$(KDIR_612)" || { echo "module-6.12: no 6.12 test kernel (tools/vm/build-kernel --version 6.12)"; exit 1; }
	rm -rf build/6.12
	$(MAKE) dkms-source DKMS_SRC=$(CURDIR)/build/6.12
	$(MAKE) -C $(KDIR_612) M=$(CURDIR)/build/6.12 modules

clean:
	rm -rf build
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(SELFTESTS) clean
	$(MAKE) -C tools/ttpstat clean
	$(MAKE) -C tools/ttp-run clean
	rm -f $(TTPCAT)

.PHONY: all module tools kdir demo check bench bench-net bench-flood stress clean install uninstall \
	dkms-source dkms-install dkms-uninstall stock-module module-6.12 check-pair
