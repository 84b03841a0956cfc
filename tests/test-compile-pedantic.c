/*
 * The public header must compile alone as strict C11 (and link).  The test
 * is the compilation; running it only reports that it was built.
 */
#include <stdio.h>
#include <vgfb/vgfb.h>

int main(void);

int
main(void)
{
	struct vgfb *ctx = 0;

	vgfb_close(ctx);
	printf("1..1\nok 1 vgfb.h compiles as C11 -pedantic and links\n");
	return 0;
}
