/* SPDX-License-Identifier: MIT */
/*
 * vgfb-bench: what frame delivery costs, each figure against a baseline
 * measured in the same run, printed against the goals of issue #13:
 *
 *   a  an unchanged 4K plane delivered vs one memcpy of it   >= 1000x less
 *   b  a 64x64 damage delivered vs that memcpy               <= 1%
 *   c  first export of a 4K plane vs mmap+MAP_POPULATE       <= 2x
 *   d  flip -> consumer wake-up through vgfbd, 1/8/64 consumers,
 *      vs 30 ms polling                                      p99 <= 1 ms
 *   e  vgfbd wake-ups, CPU and RSS idle and per flip         0 idle wake-ups
 *   f  16 vgfbd with 4 consumers each                        0 idle wake-ups
 *
 * One table on stdout; --json writes the same rows for tracking.  No
 * pass/fail: the exit status says only whether every part ran.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#ifndef VGFBD_PATH
#define VGFBD_PATH "/usr/sbin/vgfbd"
#endif

static const char *
find_vgfbd(const char *argv0, char *buf, size_t len)
{
	const char *slash = strrchr(argv0, '/');

	/* from the build tree: bench/vgfb-bench next to tools/vgfbd/vgfbd */
	if (slash) {
		snprintf(buf, len, "%.*s/../tools/vgfbd/vgfbd",
			 (int)(slash - argv0), argv0);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return VGFBD_PATH;
}

/* "model name, N CPUs" from /proc/cpuinfo. */
static void
machine_name(char *buf, size_t len)
{
	char line[256], model[160] = "unknown CPU";
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *colon = strchr(line, ':');

			if (strncmp(line, "model name", 10) == 0 && colon) {
				snprintf(model, sizeof(model), "%s",
					 colon + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		}
		fclose(f);
	}
	snprintf(buf, len, "%s, %ld CPUs", model, sysconf(_SC_NPROCESSORS_ONLN));
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: vgfb-bench [OPTIONS]\n"
"Frame delivery costs against baselines measured in the same run.\n"
"\n"
"      --parts=LETTERS  any of abcdef (default: all); a-c run together,\n"
"                       as do d-f\n"
"      --quick          few iterations and short phases (CI smoke)\n"
"      --json=FILE      also write the rows as JSON\n"
"      --vgfbd=PATH     the daemon for d-f (default: next to this build,\n"
"                       else " VGFBD_PATH ")\n"
"  -h, --help           this text\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parts", required_argument, NULL, 'p' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "vgfbd", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *parts = "abcdef", *json = NULL;
	char binbuf[4096], machine[256], kernel[512];
	struct bench *b = calloc(1, sizeof(*b));
	struct utsname u;
	int c, rc = 0;

	if (!b)
		return 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			parts = optarg;
			if (!*parts || strspn(parts, "abcdef") != strlen(parts))
				goto bad;
			break;
		case 'q':
			b->quick = true;
			break;
		case 'j':
			json = optarg;
			break;
		case 'd':
			b->vgfbd = optarg;
			break;
		case 'h':
			usage(stdout);
			free(b);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	signal(SIGPIPE, SIG_IGN);
	if (!b->vgfbd)
		b->vgfbd = find_vgfbd(argv[0], binbuf, sizeof(binbuf));

	machine_name(machine, sizeof(machine));
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname,
			 u.release, u.version);
	else
		snprintf(kernel, sizeof(kernel), "unknown");
	printf("vgfb-bench%s: %s; %s\n", b->quick ? " --quick" : "", machine,
	       kernel);

	if (strpbrk(parts, "abc") && bench_frames(b))
		rc = 1;
	if (strpbrk(parts, "def") && bench_daemon_parts(b))
		rc = 1;
	bench_print_table(b, stdout);
	if (json) {
		int e = bench_write_json(b, json, machine, kernel);

		if (e) {
			fprintf(stderr, "vgfb-bench: %s: %s\n", json,
				strerror(-e));
			rc = 1;
		}
	}
	free(b);
	return rc;

bad:
	usage(stderr);
	free(b);
	return 2;
}
