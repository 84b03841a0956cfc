/* SPDX-License-Identifier: MIT */
/*
 * vgfb-follow (tools/vgfb-follow): its instance table (ids that stay while
 * a name stays), the scan of a run directory of real sockets, and the
 * program itself: a command started per instance with {name} and
 * {socket} filled in, stopped when the instance goes, started again with
 * a back-off when it fails, done when it exits 0 (until the instance comes
 * back), every command stopped on SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tools/vgfb-follow/instances.h"
#include "test-common.h"

/* ---- the instance table ---- */

static uint32_t
id_of(const struct vf_instances *t, const char *name)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (strcmp(t->seen[i].name, name) == 0)
			return t->seen[i].domid;
	ck_abort_msg("%s is not in the table", name);
	return 0;
}

START_TEST(ids_stay_while_names_stay)
{
	static struct vf_instances t;
	const char *first[] = { "alpha", "beta" };
	const char *second[] = { "beta", "gamma" };
	const char *third[] = { "alpha", "beta" };
	uint32_t beta;

	ck_assert_uint_eq(vf_instances_update(&t, first, 2), 0);
	ck_assert_uint_eq(t.n, 2);
	beta = id_of(&t, "beta");
	ck_assert_uint_ne(id_of(&t, "alpha"), beta);

	ck_assert_uint_eq(vf_instances_update(&t, second, 2), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(id_of(&t, "beta"), beta);
	ck_assert_uint_ne(id_of(&t, "gamma"), beta);

	/* alpha came back (a rebooted guest): a new id, a new command */
	ck_assert_uint_eq(vf_instances_update(&t, third, 2), 0);
	ck_assert_uint_eq(id_of(&t, "beta"), beta);
	ck_assert_uint_gt(id_of(&t, "alpha"), id_of(&t, "beta"));
}
END_TEST

START_TEST(bad_names_and_the_bound)
{
	static struct vf_instances t;
	static char many[XB_MAX_CHILDREN + 10][XB_NAME_LEN];
	const char *list[XB_MAX_CHILDREN + 10];
	const char *bad[] = { "", ".hidden", "a/b", "x y", "ok" };

	ck_assert_uint_eq(vf_instances_update(&t, bad, 5), 4);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(t.seen[0].name, "ok");
	for (unsigned int i = 0; i < XB_MAX_CHILDREN + 10; i++) {
		snprintf(many[i], XB_NAME_LEN, "guest%u", i);
		list[i] = many[i];
	}
	ck_assert_uint_eq(vf_instances_update(&t, list, XB_MAX_CHILDREN + 10),
			  10);
	ck_assert_uint_eq(t.n, XB_MAX_CHILDREN);
}
END_TEST

/* ---- a run directory of real sockets ---- */

static char run_dir[PATH_MAX];

/* out = RUN_DIR/rel; a path too long fails the test */
static void
in_run_dir(char *out, size_t len, const char *rel)
{
	ck_assert_int_lt(snprintf(out, len, "%s/%s", run_dir, rel), (int)len);
}

static void
make_run_dir(void)
{
	snprintf(run_dir, sizeof(run_dir), "%s/vgfb-follow.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(run_dir));
}

static void
remove_run_dir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* RUN_DIR/<name>/socket, listening as vgfbd's would; returns its fd. */
static int
add_instance(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int fd;

	in_run_dir(dir, sizeof(dir), name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_lt(snprintf(addr.sun_path, sizeof(addr.sun_path),
				  "%s/socket", dir), (int)sizeof(addr.sun_path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

static void
remove_instance(const char *name, int fd)
{
	char path[PATH_MAX];

	close(fd);
	in_run_dir(path, sizeof(path), name);
	ck_assert_int_lt(strlen(path) + sizeof("/socket"), sizeof(path));
	strcat(path, "/socket");
	ck_assert_int_eq(unlink(path), 0);
	in_run_dir(path, sizeof(path), name);
	ck_assert_int_eq(rmdir(path), 0);
}

static bool
has_name(char (*names)[XB_NAME_LEN], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

START_TEST(scan_finds_sockets_only)
{
	char names[8][XB_NAME_LEN], path[PATH_MAX];
	int a, n, fd;

	make_run_dir();
	a = add_instance("guest-a");
	/* a regular file where the socket would be */
	in_run_dir(path, sizeof(path), "stale");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	in_run_dir(path, sizeof(path), "stale/socket");
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* vgfb-xen-backend's links, and a link at the top */
	in_run_dir(path, sizeof(path), "by-domid");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	in_run_dir(path, sizeof(path), "by-domid/5");
	ck_assert_int_eq(symlink("../guest-a", path), 0);
	in_run_dir(path, sizeof(path), "alias");
	ck_assert_int_eq(symlink("guest-a", path), 0);
	/* an empty directory */
	in_run_dir(path, sizeof(path), "empty");
	ck_assert_int_eq(mkdir(path, 0700), 0);

	n = vf_scan(run_dir, names, 8);
	ck_assert_int_eq(n, 1);
	ck_assert(has_name(names, n, "guest-a"));

	close(a);
	remove_run_dir();
	/* a run directory that is not there (yet): no instance */
	ck_assert_int_eq(vf_scan(run_dir, names, 8), 0);
}
END_TEST

/* ---- the program ---- */

static char log_path[PATH_MAX];

static const char *
follow_path(void)
{
	static char path[PATH_MAX];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/tools/vgfb-follow/vgfb-follow",
		 top ? top : ".");
	return path;
}

/*
 * vgfb-follow over run_dir with a shell command that logs "start NAME
 * SOCKET" and, on SIGTERM, "stop NAME"; with exit_status >= 0, the
 * command exits with it right after logging.
 */
static pid_t
start_follow(int exit_status)
{
	char script[PATH_MAX * 3];
	pid_t pid;
	int n;

	ck_assert_int_lt(snprintf(log_path, sizeof(log_path), "%s.log",
				  run_dir), (int)sizeof(log_path));
	if (exit_status >= 0)
		n = snprintf(script, sizeof(script),
			     "echo start {name} {socket} >> %s; exit %d",
			     log_path, exit_status);
	else
		n = snprintf(script, sizeof(script),
			     "trap 'echo stop {name} >> %s; exit 0' TERM; "
			     "echo start {name} {socket} >> %s; "
			     "while :; do sleep 0.05; done", log_path,
			     log_path);
	ck_assert_int_lt(n, (int)sizeof(script));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(follow_path(), "vgfb-follow", "--run-dir", run_dir, "-v",
		      "--", "/bin/sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Lines of the log equal to line. */
static int
count_lines(const char *line)
{
	char buf[PATH_MAX * 2];
	FILE *f = fopen(log_path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		n += strcmp(buf, line) == 0;
	}
	fclose(f);
	return n;
}

/* Wait (up to 20 s) until line is in the log count times. */
static bool
wait_lines(const char *line, int count)
{
	for (int i = 0; i < 400; i++) {
		if (count_lines(line) >= count)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* The line the command logs when it starts for name. */
static void
start_line(char *out, size_t len, const char *name)
{
	ck_assert_int_lt(snprintf(out, len, "start %s %s/%s/socket", name,
				  run_dir, name), (int)len);
}

/* SIGTERM to vgfb-follow: it must exit 0. */
static void
stop_follow(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(commands_follow_instances)
{
	char start_a[PATH_MAX * 2], start_b[PATH_MAX * 2];
	int a, b;
	pid_t pid;

	make_run_dir();
	a = add_instance("guest-a");
	pid = start_follow(-1);
	start_line(start_a, sizeof(start_a), "guest-a");
	ck_assert_msg(wait_lines(start_a, 1), "no command for guest-a");

	/* a new instance: its own command, the first one untouched */
	b = add_instance("guest-b");
	start_line(start_b, sizeof(start_b), "guest-b");
	ck_assert_msg(wait_lines(start_b, 1), "no command for guest-b");

	/* an instance gone: its command stopped, the other left alone */
	remove_instance("guest-a", a);
	ck_assert_msg(wait_lines("stop guest-a", 1), "guest-a's command "
		      "was not stopped");
	ck_assert_int_eq(count_lines("stop guest-b"), 0);
	ck_assert_int_eq(count_lines(start_a), 1);

	/* back again: a new command */
	a = add_instance("guest-a");
	ck_assert_msg(wait_lines(start_a, 2), "guest-a's return was missed");

	/* SIGTERM: every command stopped, exit 0 */
	stop_follow(pid);
	ck_assert_int_eq(count_lines("stop guest-a"), 2);
	ck_assert_int_eq(count_lines("stop guest-b"), 1);
	close(a);
	close(b);
	remove_run_dir();
	unlink(log_path);
}
END_TEST

START_TEST(failing_command_backs_off)
{
	char start_a[PATH_MAX * 2];
	int a;
	pid_t pid;

	make_run_dir();
	a = add_instance("guest-a");
	pid = start_follow(3);
	start_line(start_a, sizeof(start_a), "guest-a");
	/* at once, again at once, then after 2 s: three within 20 s */
	ck_assert_msg(wait_lines(start_a, 3), "a failing command was not "
		      "started again");
	stop_follow(pid);
	close(a);
	remove_run_dir();
	unlink(log_path);
}
END_TEST

START_TEST(command_done_until_instance_returns)
{
	char start_a[PATH_MAX * 2];
	int a;
	pid_t pid;

	make_run_dir();
	a = add_instance("guest-a");
	pid = start_follow(0);
	start_line(start_a, sizeof(start_a), "guest-a");
	ck_assert_msg(wait_lines(start_a, 1), "no command for guest-a");
	/* three rescans: a failure would have been started again by now */
	sleep(3);
	ck_assert_int_eq(count_lines(start_a), 1);
	/* the instance goes and comes back: a new command */
	remove_instance("guest-a", a);
	sleep(2);
	a = add_instance("guest-a");
	ck_assert_msg(wait_lines(start_a, 2), "guest-a's return was missed");
	stop_follow(pid);
	close(a);
	remove_run_dir();
	unlink(log_path);
}
END_TEST

START_TEST(usage_errors)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "%s 2>/dev/null", follow_path());
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof(cmd), "%s --run-dir relative -- true 2>/dev/null",
		 follow_path());
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vgfb-follow");
	TCase *tc = tcase_create("instances");

	tcase_add_test(tc, ids_stay_while_names_stay);
	tcase_add_test(tc, bad_names_and_the_bound);
	tcase_add_test(tc, scan_finds_sockets_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("program");
	/* waits for a real program: a hang detector, not a speed limit */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, commands_follow_instances);
	tcase_add_test(tc, failing_command_backs_off);
	tcase_add_test(tc, command_done_until_instance_returns);
	tcase_add_test(tc, usage_errors);
	suite_add_tcase(s, tc);
	return test_run(s);
}
