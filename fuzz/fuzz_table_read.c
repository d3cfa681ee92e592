/* libFuzzer: an uploaded table, CSV or XLSX, must never crash, leak or
 * hang the reader, and every cell it gives out must be UTF-8 without NULs
 * and no longer than the cell limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/table_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table_reader *t;
	struct err e;
	if (table_open_mem(data, size, &t, &e) != 0) {
		if (e.code == ERR_OK || !e.message[0])
			abort();
		return 0;
	}
	struct table_row row;
	int rc;
	while ((rc = table_next(t, &row, &e)) == 1) {
		if (row.n < 1 || row.n > TABLE_MAX_COLUMNS || row.line < 1)
			abort();
		int empty = 1;
		for (int i = 0; i < row.n; i++) {
			const unsigned char *c = (const unsigned char *)row.cells[i];
			if (strlen(row.cells[i]) != row.lens[i] || row.lens[i] > TABLE_MAX_CELL ||
			    table_utf8_valid(c, row.lens[i]) != row.lens[i])
				abort();
			empty &= row.lens[i] == 0;
		}
		if (empty) /* rows of only empty cells are skipped */
			abort();
	}
	if (rc < 0 && (e.code == ERR_OK || !e.message[0]))
		abort();
	table_close(t);
	return 0;
}
