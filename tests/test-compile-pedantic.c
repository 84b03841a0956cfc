/*
 * The public headers must compile alone as strict C11 (and link).  The
 * test is the compilation; running it only reports that it was built.
 * vgfb-source.h is for device models that copy it: it needs only
 * <stdint.h>, and its structs are the sizes docs/source-protocol.md says.
 */
#include <stdio.h>
#include <vgfb/vgfb.h>
#include <vgfb/vgfb-source.h>

_Static_assert(sizeof(struct vgfb_src_hello) == 184, "HELLO size");
_Static_assert(sizeof(struct vgfb_src_scanout_set) == 48, "SET size");

int main(void);

int
main(void)
{
	struct vgfb *ctx = 0;

	vgfb_close(ctx);
	printf("1..1\nok 1 vgfb.h and vgfb-source.h compile as C11 -pedantic "
	       "and link\n");
	return 0;
}
