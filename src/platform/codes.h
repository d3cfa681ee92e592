/* The national code tables a member record uses (DOMAIN.md, "Code tables"):
 * the database and the API carry the code, people and import files see the
 * Chinese name. Static data: nobody frees it. */
#ifndef GH_CODES_H
#define GH_CODES_H

struct code {
	const char *code, *name;
};

struct code_table {
	const char *id;   /* "ethnicity" */
	const char *name; /* "民族" */
	const struct code *codes;
	int n;
};

extern const struct code_table code_tables[];
extern const int code_tables_count;

/* The table with this id, or NULL. */
const struct code_table *code_table(const char *id);
/* The Chinese name of code in table, or NULL when either is unknown. */
const char *code_name(const char *table, const char *code);
/* The code for text, which may be a code or a Chinese name; surrounding
 * spaces (ASCII and the full-width U+3000 that spreadsheets leave) are
 * ignored. NULL when text is neither, or the table is unknown. */
const char *code_lookup(const char *table, const char *text);

#endif
