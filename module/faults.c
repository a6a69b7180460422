// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the fault-injection rule language.
 *
 *   drop dir=in|out [flags=SYN,ACK,FIN,RST,PSH] [exact] [port=N] [skip=K] [count=N]
 *   loss dir=in|out percent=P [port=N]
 *
 * Parsing is strict: every word must be known, none may repeat, and a
 * malformed rule changes nothing.  Matching state (seen, hits) lives in the
 * rule so that the caller's lock covers it.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "faults.h"

static const struct {
	const char *name;
	u8 bit;
} ttp_fault_flag_names[] = {
	{ "SYN", TCPHDR_SYN },
	{ "ACK", TCPHDR_ACK },
	{ "FIN", TCPHDR_FIN },
	{ "RST", TCPHDR_RST },
	{ "PSH", TCPHDR_PSH },
};

static int ttp_fault_parse_flags(char *list, u8 *flags)
{
	char *name;

	*flags = 0;
	while ((name = strsep(&list, ",")) != NULL) {
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(ttp_fault_flag_names); i++)
			if (!strcmp(name, ttp_fault_flag_names[i].name))
				break;
		if (i == ARRAY_SIZE(ttp_fault_flag_names))
			return -EINVAL;
		if (*flags & ttp_fault_flag_names[i].bit)
			return -EINVAL;
		*flags |= ttp_fault_flag_names[i].bit;
	}
	return 0;
}

/* "P" or "P.D" or "P.DD" percent, 0 to 100, into hundredths of a percent. */
static int ttp_fault_parse_percent(const char *s, u32 *loss)
{
	unsigned int whole = 0, frac = 0, digits = 0;
	const char *p = s;

	if (!isdigit(*p))
		return -EINVAL;
	while (isdigit(*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > 100)
			return -EINVAL;
	}
	if (*p == '.') {
		p++;
		while (isdigit(*p) && digits < 2) {
			frac = frac * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits)
			return -EINVAL;
		if (digits == 1)
			frac *= 10;
	}
	if (*p)
		return -EINVAL;
	*loss = whole * 100 + frac;
	return *loss > TTP_LOSS_SCALE ? -EINVAL : 0;
}

enum {
	TTP_KEY_DIR	= 1 << 0,
	TTP_KEY_FLAGS	= 1 << 1,
	TTP_KEY_EXACT	= 1 << 2,
	TTP_KEY_PORT	= 1 << 3,
	TTP_KEY_SKIP	= 1 << 4,
	TTP_KEY_COUNT	= 1 << 5,
	TTP_KEY_PERCENT	= 1 << 6,
};

static const struct {
	const char *name;
	unsigned int key;
} ttp_fault_keys[] = {
	{ "dir", TTP_KEY_DIR },
	{ "flags", TTP_KEY_FLAGS },
	{ "exact", TTP_KEY_EXACT },
	{ "port", TTP_KEY_PORT },
	{ "skip", TTP_KEY_SKIP },
	{ "count", TTP_KEY_COUNT },
	{ "percent", TTP_KEY_PERCENT },
};

static int ttp_fault_parse_word(char *word, struct ttp_fault_rule *rule,
				unsigned int *seen_keys)
{
	char *value = strchr(word, '=');
	unsigned int i, key;
	u32 n;

	if (value)
		*value++ = '\0';

	for (i = 0; i < ARRAY_SIZE(ttp_fault_keys); i++)
		if (!strcmp(word, ttp_fault_keys[i].name))
			break;
	if (i == ARRAY_SIZE(ttp_fault_keys))
		return -EINVAL;
	key = ttp_fault_keys[i].key;

	if (*seen_keys & key)
		return -EINVAL;
	*seen_keys |= key;

	/* "exact" is the only word without a value. */
	if (key == TTP_KEY_EXACT ? !!value : !value)
		return -EINVAL;

	switch (key) {
	case TTP_KEY_DIR:
		if (!strcmp(value, "in"))
			rule->dir = TTP_DIR_IN;
		else if (!strcmp(value, "out"))
			rule->dir = TTP_DIR_OUT;
		else
			return -EINVAL;
		return 0;
	case TTP_KEY_FLAGS:
		return ttp_fault_parse_flags(value, &rule->flags);
	case TTP_KEY_EXACT:
		rule->exact = true;
		return 0;
	case TTP_KEY_PERCENT:
		return ttp_fault_parse_percent(value, &rule->loss);
	}

	/* port, skip and count: plain decimal numbers */
	if (!isdigit(*value) || kstrtou32(value, 10, &n))
		return -EINVAL;
	switch (key) {
	case TTP_KEY_PORT:
		if (!n || n > U16_MAX)
			return -EINVAL;
		rule->port = n;
		break;
	case TTP_KEY_SKIP:
		rule->skip = n;
		break;
	case TTP_KEY_COUNT:
		if (!n)
			return -EINVAL;
		rule->count = n;
		break;
	}
	return 0;
}

/* Parse one rule (a trailing newline is allowed) into *rule. */
int ttp_fault_parse(const char *text, struct ttp_fault_rule *rule)
{
	char buf[TTP_FAULT_TEXT_MAX], *cur = buf, *word;
	unsigned int keys = 0, allowed, required;
	struct ttp_fault_rule r = { .count = 1 };
	int err;

	if (strscpy(buf, text, sizeof(buf)) < 0)
		return -EINVAL;
	strim(buf);
	cur = skip_spaces(buf);

	word = strsep(&cur, " \t");
	if (!strcmp(word, "drop")) {
		r.kind = TTP_FAULT_DROP;
		allowed = TTP_KEY_DIR | TTP_KEY_FLAGS | TTP_KEY_EXACT |
			  TTP_KEY_PORT | TTP_KEY_SKIP | TTP_KEY_COUNT;
		required = TTP_KEY_DIR;
	} else if (!strcmp(word, "loss")) {
		r.kind = TTP_FAULT_LOSS;
		allowed = TTP_KEY_DIR | TTP_KEY_PERCENT | TTP_KEY_PORT;
		required = TTP_KEY_DIR | TTP_KEY_PERCENT;
	} else {
		return -EINVAL;
	}

	while ((word = strsep(&cur, " \t")) != NULL) {
		if (!*word)	/* runs of blanks */
			continue;
		err = ttp_fault_parse_word(word, &r, &keys);
		if (err)
			return err;
	}

	if ((keys & ~allowed) || (keys & required) != required)
		return -EINVAL;
	if ((keys & TTP_KEY_EXACT) && !(keys & TTP_KEY_FLAGS))
		return -EINVAL;
	*rule = r;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_fault_parse);

/* The normalised rule text followed by " hits=N" and a newline. */
int ttp_fault_format(const struct ttp_fault_rule *rule, char *buf, size_t size)
{
	const char *dir = rule->dir == TTP_DIR_IN ? "in" : "out";
	int len;

	if (rule->kind == TTP_FAULT_LOSS) {
		len = scnprintf(buf, size, "loss dir=%s percent=%u", dir,
				rule->loss / 100);
		if (rule->loss % 10)
			len += scnprintf(buf + len, size - len, ".%02u",
					 rule->loss % 100);
		else if (rule->loss % 100)
			len += scnprintf(buf + len, size - len, ".%u",
					 rule->loss % 100 / 10);
	} else {
		len = scnprintf(buf, size, "drop dir=%s", dir);
		if (rule->flags) {
			const char *sep = " flags=";
			unsigned int i;

			for (i = 0; i < ARRAY_SIZE(ttp_fault_flag_names); i++) {
				if (!(rule->flags & ttp_fault_flag_names[i].bit))
					continue;
				len += scnprintf(buf + len, size - len, "%s%s",
						 sep, ttp_fault_flag_names[i].name);
				sep = ",";
			}
			if (rule->exact)
				len += scnprintf(buf + len, size - len,
						 " exact");
		}
	}
	if (rule->port)
		len += scnprintf(buf + len, size - len, " port=%u", rule->port);
	if (rule->kind == TTP_FAULT_DROP)
		len += scnprintf(buf + len, size - len, " skip=%u count=%u",
				 rule->skip, rule->count);
	len += scnprintf(buf + len, size - len, " hits=%u\n", rule->hits);
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_fault_format);

static bool ttp_fault_matches(const struct ttp_fault_rule *rule,
			      const struct ttp_seg *seg)
{
	if (seg->dir != rule->dir)
		return false;
	if (rule->port && ntohs(seg->sport) != rule->port &&
	    ntohs(seg->dport) != rule->port)
		return false;
	if (rule->exact)
		return seg->flags == rule->flags;
	return (seg->flags & rule->flags) == rule->flags;
}

/*
 * Should this rule drop the segment?  rnd is uniform in [0, TTP_LOSS_SCALE)
 * and only consulted by loss rules.  Updates the rule's counters.
 */
bool ttp_fault_drops(struct ttp_fault_rule *rule, const struct ttp_seg *seg,
		     u32 rnd)
{
	bool drop;

	if (!ttp_fault_matches(rule, seg))
		return false;

	if (rule->kind == TTP_FAULT_LOSS) {
		drop = rnd < rule->loss;
	} else {
		if (rule->hits >= rule->count)
			return false;
		drop = rule->seen >= rule->skip;
		rule->seen++;
	}
	if (drop)
		rule->hits++;
	return drop;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_fault_drops);

/* tcpdump's letters in tcpdump's order: S F R P U, then '.' for ACK. */
int ttp_flags_format(u8 flags, char *buf, size_t size)
{
	static const struct {
		u8 bit;
		char letter;
	} letters[] = {
		{ TCPHDR_SYN, 'S' }, { TCPHDR_FIN, 'F' }, { TCPHDR_RST, 'R' },
		{ TCPHDR_PSH, 'P' }, { TCPHDR_URG, 'U' }, { TCPHDR_ACK, '.' },
		{ TCPHDR_ECE, 'E' }, { TCPHDR_CWR, 'W' },
	};
	unsigned int i, len = 0;

	if (!flags)
		return scnprintf(buf, size, "none");
	for (i = 0; i < ARRAY_SIZE(letters) && len + 1 < size; i++)
		if (flags & letters[i].bit)
			buf[len++] = letters[i].letter;
	buf[len] = '\0';
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_flags_format);
