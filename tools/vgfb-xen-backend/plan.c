/* SPDX-License-Identifier: MIT */
/* vgfb-xen-backend's decisions, without side effects (plan.h). */
#include "config.h"

#include <string.h>

#include "plan.h"
#include "socket-file.h"

bool
xb_valid_name(const char *name)
{
	return vgfb__instance_name_ok(name);
}

static const struct xb_domain *
find_domain(const struct xb_domain *d, unsigned int n, uint32_t domid)
{
	for (unsigned int i = 0; i < n; i++)
		if (d[i].domid == domid)
			return &d[i];
	return NULL;
}

static bool
have_child(const struct xb_child *c, unsigned int n, uint32_t domid)
{
	for (unsigned int i = 0; i < n; i++)
		if (c[i].domid == domid)
			return true;
	return false;
}

/*
 * Another child still runs under name (a rebooted domain's old vgfbd,
 * stopping): its socket is live, so a new vgfbd would fail to bind.
 */
static bool
name_busy(const struct xb_child *c, unsigned int n, unsigned int self,
	  const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (i != self && c[i].pid && strcmp(c[i].name, name) == 0)
			return true;
	return false;
}

static bool
add(struct xb_action *a, unsigned int *n, unsigned int max,
    enum xb_action_kind kind, uint32_t slot, const char *old_name)
{
	if (*n == max)
		return false;
	a[*n] = (struct xb_action){ .kind = kind, .slot = slot };
	if (old_name)
		memcpy(a[*n].old_name, old_name, XB_NAME_LEN);
	(*n)++;
	return true;
}

unsigned int
xb_plan(const struct xb_domain *domains, unsigned int n_domains,
	struct xb_child *children, unsigned int *n_children, int64_t now_ms,
	struct xb_action *actions, unsigned int max_actions)
{
	unsigned int n = 0;

	/* new domains: a slot each (started below, once named) */
	for (unsigned int i = 0; i < n_domains; i++) {
		if (have_child(children, *n_children, domains[i].domid) ||
		    *n_children == XB_MAX_CHILDREN)
			continue;
		children[(*n_children)++] = (struct xb_child){
			.domid = domains[i].domid,
		};
	}

	for (unsigned int s = 0; s < *n_children; s++) {
		struct xb_child *c = &children[s];
		const struct xb_domain *d =
			find_domain(domains, n_domains, c->domid);

		if (!d) {
			if (c->pid && !c->stopping)
				add(actions, &n, max_actions, XB_STOP, s, NULL);
			else if (!c->pid)
				add(actions, &n, max_actions, XB_FORGET, s,
				    c->name);
			continue;
		}
		if (!xb_valid_name(d->name))
			continue;	/* not named yet, or unusable: wait */
		if (c->name[0] && strcmp(c->name, d->name) != 0) {
			if (add(actions, &n, max_actions, XB_RENAME, s,
				c->name))
				memcpy(c->name, d->name, XB_NAME_LEN);
			continue;
		}
		if (!c->pid && !c->finished && now_ms >= c->start_after_ms &&
		    !name_busy(children, *n_children, s, d->name)) {
			memcpy(c->name, d->name, XB_NAME_LEN);
			add(actions, &n, max_actions, XB_START, s, NULL);
		}
	}
	return n;
}

void
xb_child_exited(struct xb_child *c, int64_t now_ms)
{
	int64_t backoff = 1000;

	c->pid = 0;
	if (c->stopping)
		return;		/* asked to: no failure */
	if (now_ms - c->started_ms >= XB_HEALTHY_MS)
		c->failures = 0;
	if (c->failures++ == 0) {
		c->start_after_ms = now_ms;
		return;
	}
	for (unsigned int i = 1; i < c->failures && backoff < XB_BACKOFF_MAX_MS;
	     i++)
		backoff *= 2;
	if (backoff > XB_BACKOFF_MAX_MS)
		backoff = XB_BACKOFF_MAX_MS;
	c->start_after_ms = now_ms + backoff;
}
