// SPDX-License-Identifier: GPL-2.0
/*
 * ttp-run: run an unmodified TCP program over TTP.
 *
 *	ttp-run [--ports LIST] [--] CMD [ARGS...]
 *
 * Executes CMD with libttp-preload.so (from ttp-run's own directory) in
 * LD_PRELOAD, so that its IPv4 TCP sockets become TTP sockets; with
 * --ports (or TTP_PORTS in the environment) only those that bind or connect
 * to a listed port.  Before that it checks what would make the run quietly
 * use TCP, or fail: the TTP module missing (exit 1), and a CMD the preload
 * cannot reach (static, Go, another ELF class, set-user-ID: a warning, and
 * CMD runs anyway).  A usage error exits 2; CMD not found 127, not
 * executable 126; otherwise the exit status is CMD's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/elf.h>
#include <linux/ttp.h>

#include "ports.h"

#define PRELOAD "libttp-preload.so"

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: ttp-run [--ports LIST] [--] CMD [ARGS...]\n"
		"Run CMD with its IPv4 TCP sockets turned into TTP sockets.\n"
		"  --ports LIST  only sockets that bind or connect to these ports\n"
		"                (e.g. 80,8000-8010; default: TTP_PORTS, else all)\n");
}

static const char bad_ports[] =
	"malformed port list (ports 1-65535 or ranges A-B, separated by commas): ";

/* A usage error: what is wrong, on one line, then the usage. */
static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "ttp-run: %s%s\n", what, arg);
	print_usage(stderr);
	exit(2);
}

/* CMD as execvp() would find it; NULL with errno set if it would not. */
static char *resolve(const char *cmd)
{
	const char *path = getenv("PATH"), *p, *end;
	static char buf[PATH_MAX];
	int err = ENOENT;
	size_t n;

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : (char *)cmd;
	if (!*cmd) {
		errno = ENOENT;
		return NULL;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		struct stat st;

		end = strchrnul(p, ':');
		n = end - p;
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)n, p,
			     n ? "/" : "", cmd) < (int)sizeof(buf) &&
		    !stat(buf, &st) && S_ISREG(st.st_mode)) {
			if (!access(buf, X_OK))
				return buf;
			err = EACCES;
		}
		if (!*end)
			break;
	}
	errno = err;
	return NULL;
}

static bool read_at(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

/* Whether the ELF file has a section of this name (Go's build info). */
static bool has_section(int fd, const struct elf64_hdr *eh, const char *name)
{
	char want[32], got[32];
	struct elf64_shdr strtab, sh;
	unsigned int i;
	size_t len = strlen(name) + 1;

	if (eh->e_shentsize != sizeof(sh) || eh->e_shstrndx >= eh->e_shnum ||
	    len > sizeof(want) ||
	    !read_at(fd, &strtab, sizeof(strtab),
		     eh->e_shoff + (off_t)eh->e_shstrndx * sizeof(sh)))
		return false;
	memcpy(want, name, len);
	for (i = 0; i < eh->e_shnum && i < 4096; i++) {
		if (!read_at(fd, &sh, sizeof(sh), eh->e_shoff + (off_t)i * sizeof(sh)) ||
		    sh.sh_name >= strtab.sh_size ||
		    !read_at(fd, got, len, strtab.sh_offset + sh.sh_name))
			continue;
		if (!memcmp(got, want, len))
			return true;
	}
	return false;
}

/*
 * Why LD_PRELOAD cannot reach the program in path, or NULL if it can (or
 * if path is not an ELF file: exec will tell).  self is ttp-run's own
 * header: the library is built like it, so must the program be.
 */
static const char *unreachable(const char *path, const struct elf64_hdr *self,
			       int depth)
{
	const char *why = NULL;
	unsigned char buf[256];
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	bool interp = false;
	struct stat st;
	unsigned int i;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 2 && buf[0] == '#' && buf[1] == '!' && depth == 0) {
		/* a script: what matters is its interpreter */
		char *s = (char *)buf + 2;

		buf[n] = 0;
		s += strspn(s, " \t");
		s[strcspn(s, " \t\n")] = 0;
		close(fd);
		return *s ? unreachable(s, self, 1) : NULL;
	}
	if (n < (ssize_t)EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		goto out;
	if (buf[EI_CLASS] != self->e_ident[EI_CLASS] ||
	    (size_t)n < sizeof(eh)) {
		why = "is built for another ELF class: "
		      PRELOAD " cannot load into it";
		goto out;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_machine != self->e_machine) {
		why = "is built for another machine: " PRELOAD " cannot load into it";
		goto out;
	}
	for (i = 0; i < eh.e_phnum && eh.e_phentsize == sizeof(ph); i++) {
		if (!read_at(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * sizeof(ph)))
			break;
		if (ph.p_type == PT_INTERP)
			interp = true;
	}
	if (!interp) {
		why = "is statically linked: LD_PRELOAD cannot reach it";
		goto out;
	}
	if (has_section(fd, &eh, ".go.buildinfo")) {
		why = "is a Go program: Go makes its socket calls without libc";
		goto out;
	}
	if (!fstat(fd, &st) &&
	    (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
	     ((st.st_mode & S_ISGID) && st.st_gid != getgid())))
		why =
		"is set-user-ID or set-group-ID: the dynamic linker ignores LD_PRELOAD for it";
out:
	close(fd);
	return why;
}

static const char *preload_path(void)
{
	static char buf[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", buf, sizeof(buf) - sizeof(PRELOAD) - 1);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	strcpy(slash + 1, PRELOAD);
	return buf;
}

static bool read_self(struct elf64_hdr *self)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read_at(fd, self, sizeof(*self), 0);

	if (fd >= 0)
		close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	const char *ports = NULL, *lib, *old, *why;
	unsigned long map[TTP_PORT_WORDS];
	struct elf64_hdr self;
	char *path, *env;
	int i, fd;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--ports")) {
			if (++i == argc)
				usage_error("--ports needs a list of ports", "");
			ports = argv[i];
		} else if (!strncmp(argv[i], "--ports=", 8)) {
			ports = argv[i] + 8;
		} else {
			usage_error("unknown option ", argv[i]);
		}
	}
	if (i == argc)
		usage_error("no command to run", "");

	/* an empty TTP_PORTS is no list; an empty --ports is a bad one */
	if (!ports) {
		ports = getenv("TTP_PORTS");
		if (ports && !*ports) {
			unsetenv("TTP_PORTS");
			ports = NULL;
		}
	}
	if (ports) {
		if (ttp_parse_ports(ports, map))
			usage_error(bad_ports, ports);
		setenv("TTP_PORTS", ports, 1);
	}

	path = resolve(argv[i]);
	if (!path) {
		fprintf(stderr, "ttp-run: %s: %s\n", argv[i],
			errno == ENOENT ? "command not found" : strerror(errno));
		return errno == ENOENT ? 127 : 126;
	}

	/* socket() also loads the module if modprobe knows where it is */
	fd = socket(AF_TTP, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr,
			"ttp-run: TTP is not available (socket(AF_TTP): %s): load ttp.ko first\n",
			strerror(errno));
		return 1;
	}
	close(fd);

	lib = preload_path();
	if (!lib || access(lib, R_OK)) {
		fprintf(stderr, "ttp-run: cannot find %s next to ttp-run (%s)\n",
			PRELOAD, lib ? lib : "?");
		return 1;
	}

	why = read_self(&self) ? unreachable(path, &self, 0) : NULL;
	if (why)
		fprintf(stderr, "ttp-run: %s %s; it will use TCP\n", argv[i], why);

	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&env, "%s:%s", lib, old) < 0) {
			perror("ttp-run");
			return 1;
		}
		setenv("LD_PRELOAD", env, 1);
		free(env);
	} else {
		setenv("LD_PRELOAD", lib, 1);
	}

	execv(path, argv + i);
	fprintf(stderr, "ttp-run: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
