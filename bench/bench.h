/* SPDX-License-Identifier: MIT */
/*
 * vgfb-bench's shared parts: clocks, percentiles, what /proc says about a
 * process, and the result rows every part adds to (printed as one table
 * and as JSON).  Every row is a figure, the baseline it is compared with
 * (measured in the same run) and the ratio, against the goal.
 */
#ifndef VGFB_BENCH_H
#define VGFB_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* How a row's ratio reads, and which way the goal points. */
enum bench_ratio {
	RATIO_CHEAPER,		/* baseline / value: "N x less", goal >= */
	RATIO_OF_BASELINE,	/* value / baseline: "N x of", goal <= */
	RATIO_NONE,		/* no baseline */
};

struct bench_row {
	char part[8];		/* "a", "d.8", ... */
	char what[64];
	double value;
	const char *unit;
	char baseline_what[48];
	double baseline;	/* same unit; < 0: none */
	enum bench_ratio kind;
	bool has_goal;
	bool goal_on_value;	/* the goal bounds the value, not the ratio */
	double goal;
	char note[64];		/* "n/a: ..." rows carry only this */
};

struct bench {
	struct bench_row rows[64];
	unsigned int n_rows;
	bool quick;		/* CI smoke: few iterations, short phases */
	const char *vgfbd;	/* the daemon binary */
};

/* A row; returns it so the caller can set the goal and the note. */
struct bench_row *bench_add(struct bench *b, const char *part,
			    const char *what, double value, const char *unit);
void bench_set_baseline(struct bench_row *r, const char *what, double value,
			enum bench_ratio kind);
/* A goal on the ratio: >= for RATIO_CHEAPER, <= for RATIO_OF_BASELINE. */
void bench_set_goal(struct bench_row *r, double goal);
/* A goal on the value itself: value <= max. */
void bench_set_max(struct bench_row *r, double max);
/* A row for something that could not be measured here, and why. */
void bench_add_na(struct bench *b, const char *part, const char *what,
		  const char *why);

double bench_ratio(const struct bench_row *r);
/* 1 met, 0 missed, -1 no goal or not measured. */
int bench_met(const struct bench_row *r);

void bench_print_table(const struct bench *b, FILE *f);
int bench_write_json(const struct bench *b, const char *path,
		     const char *machine, const char *kernel);

/* ---- measuring ---- */

int64_t bench_now_ns(void);
void bench_sleep_ms(double ms);
/* The p-th percentile (0..100) of n samples; sorts them. */
double bench_percentile(int64_t *v, unsigned int n, double p);

/* What /proc says about a process: CPU ns so far, wake-ups, RSS. */
struct bench_proc {
	uint64_t cpu_ns;	/* /proc/PID/schedstat, every thread */
	uint64_t wakeups;	/* voluntary context switches, every thread */
	uint64_t rss_kib;	/* VmRSS */
};
int bench_proc_read(pid_t pid, struct bench_proc *out);

/* ---- the daemon ---- */

/* A vgfbd serving a sim guest with --sim-control, in a temporary dir. */
struct bench_daemon {
	pid_t pid;
	char dir[64];
	char socket[96];
	char target[104];	/* "unix:" socket */
	int ctl;		/* a raw connection for SIM_CONTROL */
};
int bench_daemon_start(struct bench_daemon *d, const char *bin,
		       const char *sim_target);
void bench_daemon_stop(struct bench_daemon *d);
/* The guest flips head 0; returns once vgfbd has queued every event. */
int bench_daemon_flip(struct bench_daemon *d);
/* The frame the guest shows now (a client's extended query). */
int bench_daemon_frame_seq(const char *target, uint64_t *seq);

/* ---- the parts ---- */

/* a, b, c: a 4K plane in-process, per exporter that works here. */
int bench_frames(struct bench *b);
/* d, e, f: change events through vgfbd. */
int bench_daemon_parts(struct bench *b);

#endif
