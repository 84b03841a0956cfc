/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for vgfbd's source side, for the acrn-dm sink's replay tests
 * until the acrn: target lands: a child process that listens on a source
 * socket, parses every message as strictly as vgfb-source.h says, checks
 * seals, sizes and pixels (docs/test-pattern.md), and reports one line a
 * message on a pipe.  A violation is a "BAD ..." line, an ERROR and a
 * hang-up, as vgfbd would do.
 *
 * Lines: HELLO gen=G n=N name=NAME geo=WxH[,WxH]
 *        SET s=S kind=K fmt=FOURCC WxH stride=N off=N serial=N frame=F
 *        UPDATE s=S serial=N flip=0|1 off=N frame=F
 *        CURSOR s=S WxH hot=X,Y at=X,Y pix=ok
 *        MOVE s=S X,Y
 *        BYE reason=R
 *        HANGUP bye=0|1
 * frame=F is the test pattern frame the plane shows (-1: none, "?": a
 * format the pattern cannot check).
 */
#ifndef VGFB_TEST_SINK_RECV_H
#define VGFB_TEST_SINK_RECV_H

#include <stdbool.h>
#include <sys/types.h>

struct sink_recv {
	pid_t pid;
	int out;		/* read end of the report pipe */
	char path[108];
	char buf[8192];		/* partial lines */
	size_t len;
};

/* Fork a receiver listening on path (replacing any stale socket file). */
void sink_recv_start(struct sink_recv *r, const char *path);
/* SIGKILL and reap it: a crashed vgfbd. */
void sink_recv_kill(struct sink_recv *r);
/*
 * The next line within timeout_ms, without the newline; false on timeout
 * or EOF.  Every line is echoed to stderr (the test log).
 */
bool sink_recv_line(struct sink_recv *r, char *line, size_t size,
		    int timeout_ms);
/* Skip lines until one starts with prefix; fails the test on "BAD" or
 * after timeout_ms.  The matching line is copied to line if not NULL. */
void sink_recv_expect(struct sink_recv *r, const char *prefix, char *line,
		      size_t size, int timeout_ms);

#endif
