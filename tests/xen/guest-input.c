// SPDX-License-Identifier: MIT
/*
 * guest-input: the guest half of the xen tier's input scenario (hook
 * 39-vnc-input), run in the background by the domU's /init.
 *
 *   guest-input KIND [SECONDS]
 *
 * Waits (up to SECONDS, default 600) for the two evdev devices Linux's
 * xen-kbdfront registers when a vkbd backend appears ("Xen Virtual
 * Keyboard", "Xen Virtual Pointer"), and prints every event they report
 * on the console, where dom0 reads it in the guest's console log.  When a
 * device goes away (the backend removed the vkbd), it says so and looks
 * for the devices again.  Prints:
 *
 *   VGFB_GUEST_INPUT ready kind=K kbd=eventN ptr=eventM abs_x=MIN..MAX abs_y=MIN..MAX
 *   VGFB_GUEST_INPUT kbd key CODE VALUE       (EV_KEY; VALUE 1 press,
 *   VGFB_GUEST_INPUT ptr key CODE VALUE        0 release, 2 repeat)
 *   VGFB_GUEST_INPUT ptr abs AXIS VALUE       (EV_ABS: ABS_X 0, ABS_Y 1)
 *   VGFB_GUEST_INPUT ptr rel AXIS VALUE       (EV_REL: REL_WHEEL 8)
 *   VGFB_GUEST_INPUT gone kbd|ptr
 *   VGFB_GUEST_INPUT_ERROR ...                (then idles)
 *
 * EV_SYN and EV_MSC are not printed.  The ABS range printed is what the
 * frontend read from the backend's "width" and "height" at probe.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/input.h>

#include "guest-lib.h"
#include "../tier-lib.h"

#define ERR "VGFB_GUEST_INPUT_ERROR"
#define KBD_NAME "Xen Virtual Keyboard"
#define PTR_NAME "Xen Virtual Pointer"

struct dev {
	const char *tag;	/* "kbd", "ptr" */
	const char *name;	/* what xen-kbdfront calls it */
	char node[NAME_MAX + 1];	/* eventN */
	int fd;
};

/* Open /dev/input/<node> if it is the device d names. */
static void
try_node(struct dev *d, const char *node)
{
	char path[sizeof("/dev/input/") + NAME_MAX], name[128] = "";
	int fd;

	snprintf(path, sizeof(path), "/dev/input/%s", node);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) < 0 ||
	    strcmp(name, d->name) != 0) {
		close(fd);
		return;
	}
	snprintf(d->node, sizeof(d->node), "%s", node);
	d->fd = fd;
}

/* Look for the devices not open yet; true when both are. */
static bool
scan(struct dev *devs, int n)
{
	struct dirent *e;
	bool all = true;
	DIR *dir;

	dir = opendir("/dev/input");
	if (dir) {
		while ((e = readdir(dir))) {
			if (strncmp(e->d_name, "event", 5) != 0)
				continue;
			for (int i = 0; i < n; i++)
				if (devs[i].fd < 0)
					try_node(&devs[i], e->d_name);
		}
		closedir(dir);
	}
	for (int i = 0; i < n; i++)
		all = all && devs[i].fd >= 0;
	return all;
}

static void
print_ready(const char *kind, const struct dev *kbd, const struct dev *ptr)
{
	struct input_absinfo ax = { 0 }, ay = { 0 };

	if (ioctl(ptr->fd, EVIOCGABS(ABS_X), &ax) < 0 ||
	    ioctl(ptr->fd, EVIOCGABS(ABS_Y), &ay) < 0) {
		/* a pointer without ABS axes: the frontend's relative mode */
		printf("VGFB_GUEST_INPUT ready kind=%s kbd=%s ptr=%s abs=none "
		       "uptime=%.1f\n", kind, kbd->node, ptr->node,
		       tier_uptime());
		return;
	}
	printf("VGFB_GUEST_INPUT ready kind=%s kbd=%s ptr=%s abs_x=%d..%d "
	       "abs_y=%d..%d uptime=%.1f\n", kind, kbd->node, ptr->node,
	       ax.minimum, ax.maximum, ay.minimum, ay.maximum, tier_uptime());
}

/* Print what d has to say; false when the device is gone. */
static bool
drain(struct dev *d)
{
	struct input_event ev[64];
	ssize_t n;

	for (;;) {
		n = read(d->fd, ev, sizeof(ev));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			printf("VGFB_GUEST_INPUT gone %s (%s)\n", d->tag,
			       n < 0 ? strerror(errno) : "end of file");
			close(d->fd);
			d->fd = -1;
			return false;
		}
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			const char *what;

			switch (ev[i].type) {
			case EV_KEY: what = "key"; break;
			case EV_ABS: what = "abs"; break;
			case EV_REL: what = "rel"; break;
			default: continue;	/* SYN, MSC, REP */
			}
			printf("VGFB_GUEST_INPUT %s %s %u %d\n", d->tag, what,
			       ev[i].code, ev[i].value);
		}
	}
}

int
main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "unknown";
	double limit = argc > 2 ? atof(argv[2]) : 600;
	struct dev devs[2] = {
		{ .tag = "kbd", .name = KBD_NAME, .fd = -1 },
		{ .tag = "ptr", .name = PTR_NAME, .fd = -1 },
	};
	double start = tier_uptime();

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("VGFB_GUEST_INPUT waiting kind=%s uptime=%.1f\n", kind, start);
	while (tier_uptime() - start < limit) {
		struct pollfd pfd[2];

		if (!scan(devs, 2)) {
			usleep(200 * 1000);
			continue;
		}
		print_ready(kind, &devs[0], &devs[1]);
		/* both open: print until one goes away */
		for (;;) {
			bool alive = true;
			int rc;

			for (int i = 0; i < 2; i++)
				pfd[i] = (struct pollfd){ .fd = devs[i].fd,
							  .events = POLLIN };
			rc = poll(pfd, 2, 1000);
			if (rc < 0 && errno != EINTR) {
				printf(ERR " poll: %s\n", strerror(errno));
				guest_idle_forever();
			}
			for (int i = 0; rc > 0 && i < 2; i++)
				if (pfd[i].revents)
					alive = drain(&devs[i]) && alive;
			if (!alive)
				break;
		}
		for (int i = 0; i < 2; i++) {
			if (devs[i].fd >= 0)
				close(devs[i].fd);
			devs[i].fd = -1;
		}
	}
	printf(ERR " no %s and %s after %.0f s\n", KBD_NAME, PTR_NAME, limit);
	guest_idle_forever();
	return 0;
}
