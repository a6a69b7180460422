/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The port list of ttp-run's --ports and TTP_PORTS: "80,443,8000-8010".
 * ttp-run and libttp-preload.so share this parser so that a list the
 * wrapper accepts means the same to the library.
 */
#ifndef TTP_RUN_PORTS_H
#define TTP_RUN_PORTS_H

#include <limits.h>
#include <string.h>

#define TTP_PORT_WORDS	(65536 / (CHAR_BIT * sizeof(unsigned long)))
#define TTP_WORD_BITS	(CHAR_BIT * sizeof(unsigned long))

/* One port number, 1..65535, decimal digits only; *s moves past it. */
static inline long ttp_parse_port(const char **s)
{
	long v = 0;

	if (**s < '0' || **s > '9')
		return -1;
	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (**s - '0');
		if (v > 65535)
			return -1;
		(*s)++;
	}
	return v ? v : -1;
}

/*
 * Fill the bitmap map[] from list; 0, or -1 if the list is malformed (empty,
 * an empty item, a port out of 1..65535, a range whose end is below its
 * start, or any other character).  map is left cleared on error.
 */
static inline int ttp_parse_ports(const char *list, unsigned long *map)
{
	const char *s = list;
	long lo, hi, p;

	memset(map, 0, TTP_PORT_WORDS * sizeof(*map));
	for (;;) {
		lo = ttp_parse_port(&s);
		if (lo < 0)
			goto bad;
		hi = lo;
		if (*s == '-') {
			s++;
			hi = ttp_parse_port(&s);
			if (hi < lo)
				goto bad;
		}
		for (p = lo; p <= hi; p++)
			map[p / TTP_WORD_BITS] |= 1UL << (p % TTP_WORD_BITS);
		if (!*s)
			return 0;
		if (*s++ != ',')
			goto bad;
	}
bad:
	memset(map, 0, TTP_PORT_WORDS * sizeof(*map));
	return -1;
}

static inline int ttp_port_listed(const unsigned long *map, unsigned int port)
{
	return !!(map[port / TTP_WORD_BITS] & (1UL << (port % TTP_WORD_BITS)));
}

#endif /* TTP_RUN_PORTS_H */
