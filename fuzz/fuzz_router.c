/* libFuzzer: path matching over the real route tables never crashes and
 * every parameter it returns lies inside the path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/router.h"
#include "modules/modules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct router *rt;
	if (!rt)
		rt = router_new(modules);
	char *path = malloc(size + 1);
	memcpy(path, data, size);
	path[size] = '\0';
	struct route_match m;
	static const char *methods[] = {"GET", "POST", "PATCH", "DELETE", "HEAD"};
	for (size_t i = 0; i < 5; i++) {
		if (router_match(rt, methods[i], path, &m) != ROUTER_FOUND)
			continue;
		for (int p = 0; p < m.nparams; p++)
			if (m.values[p] < path || m.values[p] + m.lens[p] > path + strlen(path))
				abort();
	}
	free(path);
	return 0;
}
