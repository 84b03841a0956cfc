/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "output.h"

#define PROG "vgfb-kms"

static void
connector_name_of(const drmModeConnector *c, char *out, size_t len)
{
	kms_connector_name(c->connector_type, c->connector_type_id, out, len);
}

/* The connector to drive: by name, else the first connected one. */
static drmModeConnectorPtr
find_connector(int fd, const drmModeRes *res, const char *want)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(fd,
							    res->connectors[i]);
		char name[32];

		if (!c)
			continue;
		connector_name_of(c, name, sizeof(name));
		if (want ? strcmp(name, want) == 0
			 : c->connection == DRM_MODE_CONNECTED &&
				   c->count_modes > 0)
			return c;
		drmModeFreeConnector(c);
	}
	return NULL;
}

/* A CRTC the connector can use: the one it is on, else the first free. */
static uint32_t
find_crtc(int fd, const drmModeRes *res, const drmModeConnector *c)
{
	drmModeEncoderPtr e;
	uint32_t crtc = 0;

	if (c->encoder_id && (e = drmModeGetEncoder(fd, c->encoder_id))) {
		crtc = e->crtc_id;
		drmModeFreeEncoder(e);
		if (crtc)
			return crtc;
	}
	for (int i = 0; i < c->count_encoders && !crtc; i++) {
		e = drmModeGetEncoder(fd, c->encoders[i]);
		if (!e)
			continue;
		for (int k = 0; k < res->count_crtcs && k < 32; k++) {
			if (e->possible_crtcs & (1u << k)) {
				crtc = res->crtcs[k];
				break;
			}
		}
		drmModeFreeEncoder(e);
	}
	return crtc;
}

/* The connectors the CRTC drives now, to drive them again on restore. */
static void
save_connectors(struct kms_output *o, const drmModeRes *res)
{
	o->n_saved_connectors = 0;
	for (int i = 0; i < res->count_connectors &&
			o->n_saved_connectors < 8; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(o->fd,
							    res->connectors[i]);
		drmModeEncoderPtr e;

		if (!c)
			continue;
		if (c->encoder_id &&
		    (e = drmModeGetEncoder(o->fd, c->encoder_id))) {
			if (e->crtc_id == o->crtc_id)
				o->saved_connectors[o->n_saved_connectors++] =
					c->connector_id;
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
}

static int
become_master(struct kms_output *o)
{
	if (drmIsMaster(o->fd))
		return 0;
	if (drmSetMaster(o->fd) == 0)
		return 0;
	fprintf(stderr, PROG ": %s: not its DRM master (%s): another display "
		"server (a compositor, X, another vgfb-kms) holds it; stop it, "
		"or choose another device with --device\n", o->device,
		strerror(errno));
	return -EACCES;
}

/* Open one device and take the connector; -ENOENT when it has none. */
static int
try_device(struct kms_output *o, const char *path, const char *connector,
	   bool quiet)
{
	drmModeConnectorPtr c = NULL;
	drmVersionPtr version;
	drmModeResPtr res;
	int rc;

	snprintf(o->device, sizeof(o->device), "%s", path);
	o->fd = open(path, O_RDWR | O_CLOEXEC);
	if (o->fd < 0) {
		rc = -errno;
		if (!quiet)
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(-rc));
		return rc;
	}
	res = drmModeGetResources(o->fd);
	if (!res || res->count_crtcs == 0) {
		if (!quiet)
			fprintf(stderr, PROG ": %s: no display (KMS) here\n",
				path);
		rc = -ENOENT;
		goto fail;
	}
	c = find_connector(o->fd, res, connector);
	if (!c) {
		if (!quiet)
			fprintf(stderr, PROG ": %s: %s\n", path,
				connector ? "no such connector (see the names "
					    "in /sys/class/drm/card*-*)"
					  : "no connected connector with a mode");
		rc = -ENOENT;
		goto fail;
	}
	if (c->connection != DRM_MODE_CONNECTED || c->count_modes == 0) {
		fprintf(stderr, PROG ": %s: connector %s is not connected or "
			"has no mode\n", path, connector);
		rc = -ENOENT;
		goto fail;
	}
	o->connector_id = c->connector_id;
	connector_name_of(c, o->connector_name, sizeof(o->connector_name));
	o->crtc_id = find_crtc(o->fd, res, c);
	if (!o->crtc_id) {
		fprintf(stderr, PROG ": %s: no CRTC can drive %s\n", path,
			o->connector_name);
		rc = -ENOENT;
		goto fail;
	}
	o->n_modes = 0;
	for (int i = 0; i < c->count_modes && o->n_modes < KMS_MAX_MODES; i++)
		o->modes[o->n_modes++] = c->modes[i];
	rc = become_master(o);
	if (rc)
		goto fail;
	o->saved = drmModeGetCrtc(o->fd, o->crtc_id);
	save_connectors(o, res);
	version = drmGetVersion(o->fd);
	snprintf(o->driver, sizeof(o->driver), "%s",
		 version && version->name ? version->name : "?");
	drmFreeVersion(version);
	drmModeFreeConnector(c);
	drmModeFreeResources(res);
	return 0;

fail:
	drmModeFreeConnector(c);
	drmModeFreeResources(res);
	close(o->fd);
	o->fd = -1;
	return rc;
}

int
kms_output_open(struct kms_output *o, const char *device,
		const char *connector)
{
	char path[32];
	int rc = -ENOENT;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (device)
		return try_device(o, device, connector, false);
	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		if (access(path, F_OK) != 0)
			continue;
		rc = try_device(o, path, connector, true);
		if (rc == 0 || rc == -EACCES)
			return rc;
	}
	fprintf(stderr, PROG ": no /dev/dri/card* with %s%s\n",
		connector ? "a connector " : "a connected connector",
		connector ? connector : "");
	return rc;
}

int
kms_output_pick(const struct kms_output *o, enum kms_mode_policy policy,
		uint32_t want_w, uint32_t want_h, uint32_t guest_w,
		uint32_t guest_h, drmModeModeInfo *mode)
{
	struct kms_mode_desc d[KMS_MAX_MODES];
	int i;

	for (unsigned int k = 0; k < o->n_modes; k++)
		d[k] = (struct kms_mode_desc){
			.width = o->modes[k].hdisplay,
			.height = o->modes[k].vdisplay,
			.preferred = o->modes[k].type & DRM_MODE_TYPE_PREFERRED,
		};
	if (policy == KMS_MODE_GUEST) {
		want_w = guest_w;
		want_h = guest_h;
	}
	i = kms_pick_mode(d, o->n_modes, policy, want_w, want_h);
	if (i < 0)
		return i;
	*mode = o->modes[i];
	return 0;
}

int
kms_output_set(struct kms_output *o, uint32_t fb_id,
	       const drmModeModeInfo *mode)
{
	drmModeModeInfo m = *mode;

	if (drmModeSetCrtc(o->fd, o->crtc_id, fb_id, 0, 0, &o->connector_id,
			   1, &m))
		return -errno;
	o->mode = *mode;
	o->mode_valid = true;
	o->shown_fb = fb_id;
	return 0;
}

void
kms_output_restore(struct kms_output *o)
{
	drmModeCrtcPtr s = o->saved;

	if (o->fd < 0 || !o->mode_valid)
		return;
	drmModeSetCursor(o->fd, o->crtc_id, 0, 0, 0);
	if (s && s->mode_valid && s->buffer_id && o->n_saved_connectors &&
	    drmModeSetCrtc(o->fd, o->crtc_id, s->buffer_id, s->x, s->y,
			   o->saved_connectors, o->n_saved_connectors,
			   &s->mode) == 0) {
		o->mode_valid = false;
		o->shown_fb = 0;
		return;
	}
	/* it was off, or what it showed is gone: off, not our frame */
	if (drmModeSetCrtc(o->fd, o->crtc_id, 0, 0, 0, NULL, 0, NULL))
		fprintf(stderr, PROG ": %s: turning the CRTC off: %s\n",
			o->device, strerror(errno));
	o->mode_valid = false;
	o->shown_fb = 0;
}

void
kms_output_close(struct kms_output *o)
{
	if (o->saved)
		drmModeFreeCrtc(o->saved);
	o->saved = NULL;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}
