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

check:
	tools/check

# TTP against TCP on a kernel without debug checkers: ratios, not a test.
bench:
	tools/bench/run

# The fuzzers and difftest with counts far beyond make check's: hours (tools/stress).
stress:
	tools/stress

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(SELFTESTS) clean
	$(MAKE) -C tools/ttpstat clean
	$(MAKE) -C tools/ttp-run clean
	rm -f $(TTPCAT)

.PHONY: all module tools kdir demo check bench stress clean
