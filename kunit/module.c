// SPDX-License-Identifier: GPL-2.0
/* TTP: the KUnit suites' module; the suites are in the *_test.c files. */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for TTP");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
