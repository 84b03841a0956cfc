// SPDX-License-Identifier: MIT
/*
 * cpu-state-check: does the (virtual) CPU keep a process's register and
 * memory state intact, and do glibc's string functions compute what a
 * plain byte loop computes?  A platform-corruption detector for the xen
 * tier's diagnostic mode (issue #14, docs/xen-tier-reliability.md); it
 * knows nothing about vgfb.
 *
 *   cpu-state-check [-t SECONDS] [-w WORKERS] [-m ymm|glibc|all] [-F] [-x]
 *
 * -F is the self-test: it zeroes the upper YMM halves on purpose inside
 * the hold window (clears xmm0 in the SSE form), so every round must
 * report mismatches (run by the
 * diagnostic hook first, to show the check can fail).
 *
 * Forks WORKERS processes (default 2 per online CPU; even ones pinned
 * round-robin to a CPU, odd ones free to migrate).  Each loops until
 * SECONDS (default 60) are up over:
 *
 *   ymm    load 16 distinct 256-bit patterns into ymm0..ymm15 (inline
 *          asm), keep them there across a busy loop and sched_yield()
 *          system calls, so that the process is preempted, switched and
 *          migrated with live AVX state (by Linux, and by Xen switching
 *          vCPUs), then store and compare all 512 bytes; on a CPU
 *          without AVX (or with -x) the same with 128-bit xmm0..xmm15;
 *   glibc  random buffers and alignments through memcpy, memmove,
 *          memset, memcmp, strlen, strnlen, memchr, memrchr, strchr,
 *          rawmemchr, strcmp, each checked against a naive byte loop.
 *
 * Prints "VGFB_DIAG_MISMATCH ..." for each of the first mismatches (which
 * register, low or high 128-bit half, expected and seen bytes; or which
 * function, length and alignment), a per-worker summary and a last line
 *   VGFB_DIAG cpu-state-check total ymm=N glibc=N mismatches=N
 * Exit status 0: no mismatch; 1: mismatches; 2: usage or setup error.
 * Built static (glibc 2.36, the same IFUNC selection as dom0's own
 * glibc) so that no dynamic loader is involved.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NREG 16
#define MAX_REPORT 8

static unsigned long report_left = MAX_REPORT;
static int worker_id;
/* -F: self-test, lose the upper YMM halves on purpose (vzeroupper inside
 * the hold window); every round must then report 16 high-half mismatches */
static int inject_fault;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic per worker, no libc state */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/*
 * Load in[] into ymm0..15, spin `spins` times and make `yields`
 * sched_yield() system calls (the kernel preserves vector registers
 * across system calls), then store ymm0..15 to out[].
 */
static void ymm_hold(const uint8_t in[NREG][32], uint8_t out[NREG][32],
		     unsigned long spins, unsigned long yields)
{
	__asm__ volatile(
		"vmovdqu   0(%[in]), %%ymm0\n\t"
		"vmovdqu  32(%[in]), %%ymm1\n\t"
		"vmovdqu  64(%[in]), %%ymm2\n\t"
		"vmovdqu  96(%[in]), %%ymm3\n\t"
		"vmovdqu 128(%[in]), %%ymm4\n\t"
		"vmovdqu 160(%[in]), %%ymm5\n\t"
		"vmovdqu 192(%[in]), %%ymm6\n\t"
		"vmovdqu 224(%[in]), %%ymm7\n\t"
		"vmovdqu 256(%[in]), %%ymm8\n\t"
		"vmovdqu 288(%[in]), %%ymm9\n\t"
		"vmovdqu 320(%[in]), %%ymm10\n\t"
		"vmovdqu 352(%[in]), %%ymm11\n\t"
		"vmovdqu 384(%[in]), %%ymm12\n\t"
		"vmovdqu 416(%[in]), %%ymm13\n\t"
		"vmovdqu 448(%[in]), %%ymm14\n\t"
		"vmovdqu 480(%[in]), %%ymm15\n\t"
		"1:\n\t"
		"mov %[spins], %%rdx\n\t"
		"2:\n\t"
		"pause\n\t"
		"dec %%rdx\n\t"
		"jnz 2b\n\t"
		"test %[yields], %[yields]\n\t"
		"jz 3f\n\t"
		"mov $24, %%eax\n\t" /* SYS_sched_yield */
		"syscall\n\t"
		"dec %[yields]\n\t"
		"jmp 1b\n\t"
		"3:\n\t"
		"test %[inject], %[inject]\n\t"
		"jz 4f\n\t"
		"vzeroupper\n\t"
		"4:\n\t"
		"vmovdqu %%ymm0,    0(%[out])\n\t"
		"vmovdqu %%ymm1,   32(%[out])\n\t"
		"vmovdqu %%ymm2,   64(%[out])\n\t"
		"vmovdqu %%ymm3,   96(%[out])\n\t"
		"vmovdqu %%ymm4,  128(%[out])\n\t"
		"vmovdqu %%ymm5,  160(%[out])\n\t"
		"vmovdqu %%ymm6,  192(%[out])\n\t"
		"vmovdqu %%ymm7,  224(%[out])\n\t"
		"vmovdqu %%ymm8,  256(%[out])\n\t"
		"vmovdqu %%ymm9,  288(%[out])\n\t"
		"vmovdqu %%ymm10, 320(%[out])\n\t"
		"vmovdqu %%ymm11, 352(%[out])\n\t"
		"vmovdqu %%ymm12, 384(%[out])\n\t"
		"vmovdqu %%ymm13, 416(%[out])\n\t"
		"vmovdqu %%ymm14, 448(%[out])\n\t"
		"vmovdqu %%ymm15, 480(%[out])\n\t"
		"vzeroupper\n\t"
		: [yields] "+r"(yields)
		: [in] "r"(in), [out] "r"(out), [spins] "r"(spins),
		  [inject] "r"((unsigned long)inject_fault)
		: "rax", "rcx", "rdx", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
}

static void xmm_hold(const uint8_t in[NREG][16], uint8_t out[NREG][16],
		     unsigned long spins, unsigned long yields)
{
	__asm__ volatile(
		"movdqu   0(%[in]), %%xmm0\n\t"
		"movdqu  16(%[in]), %%xmm1\n\t"
		"movdqu  32(%[in]), %%xmm2\n\t"
		"movdqu  48(%[in]), %%xmm3\n\t"
		"movdqu 64(%[in]), %%xmm4\n\t"
		"movdqu 80(%[in]), %%xmm5\n\t"
		"movdqu 96(%[in]), %%xmm6\n\t"
		"movdqu 112(%[in]), %%xmm7\n\t"
		"movdqu 128(%[in]), %%xmm8\n\t"
		"movdqu 144(%[in]), %%xmm9\n\t"
		"movdqu 160(%[in]), %%xmm10\n\t"
		"movdqu 176(%[in]), %%xmm11\n\t"
		"movdqu 192(%[in]), %%xmm12\n\t"
		"movdqu 208(%[in]), %%xmm13\n\t"
		"movdqu 224(%[in]), %%xmm14\n\t"
		"movdqu 240(%[in]), %%xmm15\n\t"
		"1:\n\t"
		"mov %[spins], %%rdx\n\t"
		"2:\n\t"
		"pause\n\t"
		"dec %%rdx\n\t"
		"jnz 2b\n\t"
		"test %[yields], %[yields]\n\t"
		"jz 3f\n\t"
		"mov $24, %%eax\n\t" /* SYS_sched_yield */
		"syscall\n\t"
		"dec %[yields]\n\t"
		"jmp 1b\n\t"
		"3:\n\t"
		"test %[inject], %[inject]\n\t"
		"jz 4f\n\t"
		"pxor %%xmm0, %%xmm0\n\t"
		"4:\n\t"
		"movdqu %%xmm0,    0(%[out])\n\t"
		"movdqu %%xmm1,   16(%[out])\n\t"
		"movdqu %%xmm2,   32(%[out])\n\t"
		"movdqu %%xmm3,   48(%[out])\n\t"
		"movdqu %%xmm4,  64(%[out])\n\t"
		"movdqu %%xmm5,  80(%[out])\n\t"
		"movdqu %%xmm6,  96(%[out])\n\t"
		"movdqu %%xmm7,  112(%[out])\n\t"
		"movdqu %%xmm8,  128(%[out])\n\t"
		"movdqu %%xmm9,  144(%[out])\n\t"
		"movdqu %%xmm10, 160(%[out])\n\t"
		"movdqu %%xmm11, 176(%[out])\n\t"
		"movdqu %%xmm12, 192(%[out])\n\t"
		"movdqu %%xmm13, 208(%[out])\n\t"
		"movdqu %%xmm14, 224(%[out])\n\t"
		"movdqu %%xmm15, 240(%[out])\n\t"
		: [yields] "+r"(yields)
		: [in] "r"(in), [out] "r"(out), [spins] "r"(spins),
		  [inject] "r"((unsigned long)inject_fault)
		: "rax", "rcx", "rdx", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		  "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
}

static int use_ymm; /* 1: ymm0..15 (AVX), 0: xmm0..15 (SSE only) */
static int force_xmm; /* -x: xmm0..15 even where AVX is there */

static unsigned long vec_round(unsigned long iter)
{
	uint8_t in[NREG][32] __attribute__((aligned(32)));
	uint8_t out[NREG][32] __attribute__((aligned(32)));
	unsigned long bad = 0, spins = 200 + rnd() % 20000, yields = 1 + rnd() % 4;
	int r, half, i, halves = use_ymm ? 2 : 1;

	/* distinct per worker, register, half and iteration */
	for (r = 0; r < NREG; r++)
		for (i = 0; i < 32; i += 8) {
			uint64_t v = rnd() | 1;

			memcpy(&in[r][i], &v, 8);
		}
	memset(out, 0, sizeof(out));
	if (use_ymm) {
		ymm_hold((const uint8_t (*)[32])in, out, spins, yields);
	} else {
		uint8_t in16[NREG][16], out16[NREG][16];

		for (r = 0; r < NREG; r++)
			memcpy(in16[r], in[r], 16);
		xmm_hold((const uint8_t (*)[16])in16, out16, spins, yields);
		for (r = 0; r < NREG; r++)
			memcpy(out[r], out16[r], 16);
	}
	for (r = 0; r < NREG; r++)
		for (half = 0; half < halves; half++) {
			char e[33], g[33];

			if (!memcmp(&in[r][16 * half], &out[r][16 * half], 16))
				continue;
			bad++;
			if (!report_left)
				continue;
			report_left--;
			hex(e, &in[r][16 * half], 16);
			hex(g, &out[r][16 * half], 16);
			printf("VGFB_DIAG_MISMATCH %s worker=%d cpu=%d iter=%lu reg=%s%d half=%s expected=%s got=%s\n",
			       use_ymm ? "ymm" : "xmm", worker_id, sched_getcpu(),
			       iter, use_ymm ? "ymm" : "xmm", r,
			       half ? "high" : "low", e, g);
			fflush(stdout);
		}
	return bad;
}

/* ---- glibc string functions against naive byte loops ---- */

#define BUF 8192
#define PAD 64

static uint8_t *a_buf, *b_buf, *c_buf;

static unsigned long glibc_bad(const char *fn, size_t len, size_t al,
			       const char *detail)
{
	if (report_left) {
		report_left--;
		printf("VGFB_DIAG_MISMATCH glibc worker=%d cpu=%d fn=%s len=%zu align=%zu %s\n",
		       worker_id, sched_getcpu(), fn, len, al, detail);
		fflush(stdout);
	}
	return 1;
}

static int sgn(int v)
{
	return (v > 0) - (v < 0);
}

static unsigned long glibc_round(void)
{
	size_t len = rnd() % BUF, al = rnd() % PAD, bl = rnd() % PAD, i;
	uint8_t *a = a_buf + al, *b = b_buf + bl;
	unsigned long bad = 0;
	char d[128];
	uint8_t ch;
	void *p;

	for (i = 0; i < BUF + 2 * PAD; i++)
		a_buf[i] = (uint8_t)(rnd() | 1); /* no NUL: strings are ours to end */

	/* memcpy */
	memset(b_buf, 0xa5, BUF + 2 * PAD);
	memcpy(b, a, len);
	for (i = 0; i < len && b[i] == a[i]; i++)
		;
	if (i < len)
		bad += glibc_bad("memcpy", len, al, "byte differs");
	else if (b[len] != 0xa5 || (bl && b[-1] != 0xa5))
		bad += glibc_bad("memcpy", len, al, "wrote outside");

	/* memcmp: equal, then one byte changed */
	if (memcmp(a, b, len) != 0)
		bad += glibc_bad("memcmp", len, al, "equal buffers differ");
	if (len) {
		size_t k = rnd() % len;
		int naive;

		b[k] ^= (uint8_t)(1 + rnd() % 255);
		naive = sgn((int)a[k] - (int)b[k]);
		if (sgn(memcmp(a, b, len)) != naive) {
			snprintf(d, sizeof(d), "diff at %zu: sign %d, expected %d",
				 k, sgn(memcmp(a, b, len)), naive);
			bad += glibc_bad("memcmp", len, al, d);
		}
		b[k] = a[k];
	}

	/* memmove, overlapping both ways */
	if (len > 1) {
		size_t sh = 1 + rnd() % (len / 2 + 1);

		memcpy(c_buf, a, len + sh);
		memmove(c_buf + sh, c_buf, len);
		for (i = 0; i < len && c_buf[sh + i] == a[i]; i++)
			;
		if (i < len)
			bad += glibc_bad("memmove-up", len, al, "byte differs");
		memcpy(c_buf, a, len + sh);
		memmove(c_buf, c_buf + sh, len);
		for (i = 0; i < len && c_buf[i] == a[sh + i]; i++)
			;
		if (i < len)
			bad += glibc_bad("memmove-down", len, al, "byte differs");
	}

	/* memset */
	ch = (uint8_t)rnd();
	memset(b_buf, 0x5a, BUF + 2 * PAD);
	memset(b, ch, len);
	for (i = 0; i < len && b[i] == ch; i++)
		;
	if (i < len || b[len] != 0x5a || (bl && b[-1] != 0x5a))
		bad += glibc_bad("memset", len, al, "wrong bytes");

	/* string functions: terminate a copy of a at len */
	memcpy(b, a, len);
	b[len] = 0;
	if (strlen((char *)b) != len) {
		snprintf(d, sizeof(d), "got %zu", strlen((char *)b));
		bad += glibc_bad("strlen", len, bl, d);
	}
	if (len && strnlen((char *)b, len - 1) != len - 1)
		bad += glibc_bad("strnlen", len, bl, "wrong length");
	if (strcmp((char *)a, (char *)a) != 0)
		bad += glibc_bad("strcmp", len, al, "string differs from itself");
	if (len) {
		/* a byte that occurs: the naive first and last positions */
		size_t k = rnd() % len, first, last;

		ch = b[k];
		for (first = 0; b[first] != ch; first++)
			;
		for (last = len - 1; b[last] != ch; last--)
			;
		p = memchr(b, ch, len);
		if (p != b + first) {
			snprintf(d, sizeof(d), "char %02x: got %td, expected %zu",
				 ch, p ? (uint8_t *)p - b : -1, first);
			bad += glibc_bad("memchr", len, bl, d);
		}
		p = memrchr(b, ch, len);
		if (p != b + last) {
			snprintf(d, sizeof(d), "char %02x: got %td, expected %zu",
				 ch, p ? (uint8_t *)p - b : -1, last);
			bad += glibc_bad("memrchr", len, bl, d);
		}
		if ((uint8_t *)strchr((char *)b, ch) != b + first)
			bad += glibc_bad("strchr", len, bl, "wrong position");
		if ((uint8_t *)rawmemchr(b, ch) != b + first)
			bad += glibc_bad("rawmemchr", len, bl, "wrong position");
	}
	/* a byte that does not occur (a[] holds odd bytes only) */
	if (memchr(b, 0x02, len) != NULL)
		bad += glibc_bad("memchr", len, bl, "found an absent byte");
	if (strchr((char *)b, 0x02) != NULL)
		bad += glibc_bad("strchr", len, bl, "found an absent byte");
	return bad;
}

static int worker(int id, double seconds, int do_ymm, int do_glibc, int ncpu)
{
	unsigned long ymm_n = 0, glibc_n = 0, bad_ymm = 0, bad_glibc = 0;
	double end = now_s() + seconds;
	unsigned long iter = 0;

	worker_id = id;
	rng_state = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1) ^ (uint64_t)getpid();
	if (id % 2 == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((id / 2) % ncpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	a_buf = malloc(BUF + 2 * PAD);
	b_buf = malloc(BUF + 2 * PAD);
	c_buf = malloc(2 * BUF + 2 * PAD);
	if (!a_buf || !b_buf || !c_buf)
		return 2;
	while (now_s() < end) {
		iter++;
		if (do_ymm) {
			bad_ymm += vec_round(iter);
			ymm_n++;
		}
		if (do_glibc) {
			bad_glibc += glibc_round();
			glibc_n++;
		}
	}
	printf("VGFB_DIAG cpu-state-check worker=%d pinned=%s vec=%lu vec_bad=%lu glibc=%lu glibc_bad=%lu\n",
	       id, id % 2 ? "no" : "yes", ymm_n, bad_ymm, glibc_n, bad_glibc);
	fflush(stdout);
	/* the exit status carries the worker's totals to the parent: none
	 * bad is 0, else 1; the counts were printed */
	return (bad_ymm || bad_glibc) ? 1 : 0;
}

static int cpu_has_avx(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return !!(c & (1u << 28));
}

static int cpu_has_avx2(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return !!(b & (1u << 5));
}

static int os_has_ymm(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)) ||
	    !(c & (1u << 28)))
		return 0; /* no OSXSAVE or no AVX */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

int main(int argc, char **argv)
{
	double seconds = 60;
	int workers = -1, do_ymm = 1, do_glibc = 1, opt, i, st, bad = 0;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	while ((opt = getopt(argc, argv, "t:w:m:Fx")) != -1) {
		switch (opt) {
		case 't':
			seconds = atof(optarg);
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		case 'F':
			inject_fault = 1;
			break;
		case 'x':
			force_xmm = 1;
			break;
		case 'm':
			do_ymm = !strcmp(optarg, "ymm") || !strcmp(optarg, "all");
			do_glibc = !strcmp(optarg, "glibc") || !strcmp(optarg, "all");
			if (do_ymm || do_glibc)
				break;
			/* fallthrough */
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-w WORKERS] [-m ymm|glibc|all] [-F] [-x]\n",
				argv[0]);
			return 2;
		}
	}
	if (ncpu < 1)
		ncpu = 1;
	if (workers < 1)
		workers = 2 * ncpu;
	/* without AVX (or with YMM state off in XCR0) the register test
	 * holds xmm0..15 instead */
	use_ymm = cpu_has_avx() && os_has_ymm() && !force_xmm;
	printf("VGFB_DIAG cpu-state-check start cpus=%d workers=%d seconds=%.0f regs=%s glibc=%d avx=%d avx2=%d\n",
	       ncpu, workers, seconds, do_ymm ? (use_ymm ? "ymm" : "xmm") : "off",
	       do_glibc, cpu_has_avx(), cpu_has_avx2());
	fflush(stdout);
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0)
			_exit(worker(i, seconds, do_ymm, do_glibc, ncpu));
	}
	for (i = 0; i < workers; i++) {
		if (wait(&st) < 0)
			break;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			bad++;
			if (WIFSIGNALED(st))
				printf("VGFB_DIAG_MISMATCH worker killed by signal %d\n",
				       WTERMSIG(st));
		}
	}
	printf("VGFB_DIAG cpu-state-check done workers_with_mismatch=%d of %d\n",
	       bad, workers);
	return bad ? 1 : 0;
}
