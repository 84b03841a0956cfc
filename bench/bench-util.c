/* SPDX-License-Identifier: MIT */
/* vgfb-bench: rows, the table and JSON, clocks and /proc (bench.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct bench_row *
bench_add(struct bench *b, const char *part, const char *what, double value,
	  const char *unit)
{
	static struct bench_row spare;	/* rows beyond the table: dropped */
	struct bench_row *r;

	if (b->n_rows == sizeof(b->rows) / sizeof(b->rows[0])) {
		memset(&spare, 0, sizeof(spare));
		return &spare;
	}
	r = &b->rows[b->n_rows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->part, sizeof(r->part), "%s", part);
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->value = value;
	r->unit = unit;
	r->baseline = -1;
	r->kind = RATIO_NONE;
	return r;
}

void
bench_set_baseline(struct bench_row *r, const char *what, double value,
		   enum bench_ratio kind)
{
	snprintf(r->baseline_what, sizeof(r->baseline_what), "%s", what);
	r->baseline = value;
	r->kind = kind;
}

void
bench_set_goal(struct bench_row *r, double goal)
{
	r->goal = goal;
	r->goal_on_value = false;
	r->has_goal = r->kind != RATIO_NONE;
}

void
bench_set_max(struct bench_row *r, double max)
{
	r->goal = max;
	r->goal_on_value = true;
	r->has_goal = true;
}

void
bench_add_na(struct bench *b, const char *part, const char *what,
	     const char *why)
{
	struct bench_row *r = bench_add(b, part, what, NAN, "");

	snprintf(r->note, sizeof(r->note), "n/a: %s", why);
}

double
bench_ratio(const struct bench_row *r)
{
	if (r->baseline < 0 || isnan(r->value))
		return NAN;
	switch (r->kind) {
	case RATIO_CHEAPER:
		return r->value > 0 ? r->baseline / r->value : INFINITY;
	case RATIO_OF_BASELINE:
		return r->baseline > 0 ? r->value / r->baseline : INFINITY;
	default:
		return NAN;
	}
}

int
bench_met(const struct bench_row *r)
{
	if (!r->has_goal || isnan(r->value))
		return -1;
	if (r->goal_on_value)
		return r->value <= r->goal;
	if (isnan(bench_ratio(r)))
		return -1;
	return r->kind == RATIO_CHEAPER ? bench_ratio(r) >= r->goal
					: bench_ratio(r) <= r->goal;
}

/* A value with its unit, scaled to something readable. */
static void
fmt_value(char *buf, size_t len, double v, const char *unit)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (strcmp(unit, "ns") == 0 && v >= 1e6)
		snprintf(buf, len, "%.3g ms", v / 1e6);
	else if (strcmp(unit, "ns") == 0 && v >= 1e3)
		snprintf(buf, len, "%.3g us", v / 1e3);
	else if (strcmp(unit, "KiB") == 0 && v >= 10240)
		snprintf(buf, len, "%.3g MiB", v / 1024);
	else
		snprintf(buf, len, "%.3g %s", v, unit);
}

static void
fmt_ratio(char *buf, size_t len, const struct bench_row *r)
{
	double x = bench_ratio(r);

	if (isnan(x))
		snprintf(buf, len, "-");
	else if (isinf(x))
		snprintf(buf, len, "inf");
	else if (r->kind == RATIO_CHEAPER && x >= 1000)
		snprintf(buf, len, "%.0fx less", x);
	else if (r->kind == RATIO_CHEAPER)
		snprintf(buf, len, "%.3gx less", x);
	else if (x < 0.1)
		snprintf(buf, len, "%.3g%% of", x * 100);
	else
		snprintf(buf, len, "%.3gx of", x);
}

static void
fmt_goal(char *buf, size_t len, const struct bench_row *r)
{
	char v[32];

	if (!r->has_goal) {
		snprintf(buf, len, "-");
	} else if (r->goal_on_value) {
		fmt_value(v, sizeof(v), r->goal, r->unit);
		snprintf(buf, len, "<= %s", v);
	} else if (r->kind == RATIO_CHEAPER)
		snprintf(buf, len, ">= %gx less", r->goal);
	else if (r->kind == RATIO_OF_BASELINE && r->goal < 0.1)
		snprintf(buf, len, "<= %g%% of", r->goal * 100);
	else if (r->kind == RATIO_OF_BASELINE)
		snprintf(buf, len, "<= %gx of", r->goal);
}

void
bench_print_table(const struct bench *b, FILE *f)
{
	static const char *const met[] = { "no", "yes" };

	fprintf(f, "%-6s %-44s %10s  %-40s %14s  %-14s %s\n", "part", "what",
		"value", "baseline (same run)", "ratio", "goal", "met");
	for (unsigned int i = 0; i < b->n_rows; i++) {
		const struct bench_row *r = &b->rows[i];
		char v[32], bv[32], base[96], ratio[32], goal[40];
		int m = bench_met(r);

		if (r->note[0] && isnan(r->value)) {
			fprintf(f, "%-6s %-44s %s\n", r->part, r->what, r->note);
			continue;
		}
		fmt_value(v, sizeof(v), r->value, r->unit);
		if (r->baseline >= 0) {
			fmt_value(bv, sizeof(bv), r->baseline, r->unit);
			snprintf(base, sizeof(base), "%s %s", r->baseline_what,
				 bv);
		} else {
			snprintf(base, sizeof(base), "-");
		}
		fmt_ratio(ratio, sizeof(ratio), r);
		fmt_goal(goal, sizeof(goal), r);
		fprintf(f, "%-6s %-44s %10s  %-40s %14s  %-14s %s%s%s\n",
			r->part, r->what, v, base, ratio, goal,
			m < 0 ? "-" : met[m], r->note[0] ? "  " : "", r->note);
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity: null for both, and the note says why. */
static void
json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

int
bench_write_json(const struct bench *b, const char *path, const char *machine,
		 const char *kernel)
{
	static const char *const kinds[] = { "cheaper", "of_baseline", "none" };
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"machine\": ");
	json_str(f, machine);
	fprintf(f, ",\n  \"kernel\": ");
	json_str(f, kernel);
	fprintf(f, ",\n  \"quick\": %s,\n  \"rows\": [\n",
		b->quick ? "true" : "false");
	for (unsigned int i = 0; i < b->n_rows; i++) {
		const struct bench_row *r = &b->rows[i];
		int m = bench_met(r);

		fprintf(f, "    {\"part\": ");
		json_str(f, r->part);
		fprintf(f, ", \"what\": ");
		json_str(f, r->what);
		fprintf(f, ", \"value\": ");
		json_num(f, r->value);
		fprintf(f, ", \"unit\": ");
		json_str(f, r->unit ? r->unit : "");
		fprintf(f, ", \"baseline_what\": ");
		json_str(f, r->baseline_what);
		fprintf(f, ", \"baseline\": ");
		json_num(f, r->baseline >= 0 ? r->baseline : NAN);
		fprintf(f, ", \"ratio\": ");
		json_num(f, bench_ratio(r));
		/* a zero value against a non-zero baseline: "inf" in the table */
		fprintf(f, ", \"ratio_infinite\": %s",
			isinf(bench_ratio(r)) ? "true" : "false");
		fprintf(f, ", \"ratio_kind\": \"%s\", \"goal\": ", kinds[r->kind]);
		json_num(f, r->has_goal ? r->goal : NAN);
		fprintf(f, ", \"goal_on\": \"%s\"",
			r->goal_on_value ? "value" : "ratio");
		fprintf(f, ", \"met\": %s, \"note\": ",
			m < 0 ? "null" : m ? "true" : "false");
		json_str(f, r->note);
		fprintf(f, "}%s\n", i + 1 < b->n_rows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* ---- measuring ---- */

int64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
bench_sleep_ms(double ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(fmod(ms, 1000) * 1e6),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double
bench_percentile(int64_t *v, unsigned int n, double p)
{
	unsigned int k;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_i64);
	k = (unsigned int)ceil(p / 100.0 * n);
	return (double)v[k ? k - 1 : 0];
}

/* One number after "key:" in a /proc status file; 0 when absent. */
static uint64_t
status_field(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	uint64_t v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			v = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

int
bench_proc_read(pid_t pid, struct bench_proc *out)
{
	char path[64], file[400];
	struct dirent *de;
	DIR *tasks;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	tasks = opendir(path);
	if (!tasks)
		return -errno;
	while ((de = readdir(tasks))) {
		unsigned long long ns;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/schedstat", path,
			 de->d_name);
		f = fopen(file, "re");
		if (f) {
			if (fscanf(f, "%llu", &ns) == 1)
				out->cpu_ns += ns;
			fclose(f);
		}
		snprintf(file, sizeof(file), "%s/%s/status", path, de->d_name);
		out->wakeups += status_field(file, "voluntary_ctxt_switches");
	}
	closedir(tasks);
	snprintf(file, sizeof(file), "/proc/%d/status", (int)pid);
	out->rss_kib = status_field(file, "VmRSS");
	return 0;
}
