/* Printable PDF documents with Chinese text: A4 pages, one embedded TrueType
 * font with CJK glyphs, text, lines, boxes and bordered label/value tables.
 *
 * Coordinates are PDF points (1/72 inch) from the page's bottom-left corner;
 * the 'top' of a text block or table is its upper edge. Strings are UTF-8;
 * what the font's 16-bit glyph ids cannot take (characters outside the Basic
 * Multilingual Plane, invalid bytes) prints as '?'.
 *
 * Drawing calls do not fail one by one: the first error libharu reports is
 * kept, later drawing is skipped, and pdf_save_file / pdf_save_buffer
 * return it. A document is used by one thread at a time; separate documents
 * are independent. */
#ifndef GH_PDF_H
#define GH_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct pdf;

enum pdf_align { PDF_LEFT, PDF_CENTER, PDF_RIGHT };

/* A4 in points. */
#define PDF_A4_SHORT 595.276
#define PDF_A4_LONG  841.89
/* Points per millimetre. */
#define PDF_MM (72.0 / 25.4)

/* A new empty document whose text uses the font at font_path (a .ttf, or the
 * first face of a .ttc; CFF-outline fonts such as Noto CJK are refused),
 * embedded so the file prints the same anywhere. The caller frees it with
 * pdf_free. NULL with e filled when the font cannot be loaded. */
struct pdf *pdf_open(const char *font_path, struct err *e);
void pdf_free(struct pdf *p);

/* Sets the title and author in the document information (copied). */
void pdf_info(struct pdf *p, const char *title, const char *author);

/* Appends an A4 page, portrait or landscape, and makes it the page that
 * later calls draw on. */
void pdf_page(struct pdf *p, int landscape);
double pdf_page_width(const struct pdf *p);
double pdf_page_height(const struct pdf *p);

/* Colour for both strokes and fills, 0xRRGGBB; black until changed. */
void pdf_color(struct pdf *p, uint32_t rgb);
/* Extra space after each character, in points, for spaced-out titles; 0
 * until changed. Widths and wrapping take it into account. */
void pdf_char_space(struct pdf *p, double pt);

/* Thickens text by also stroking its outlines, for titles: the embedded
 * font has no bold face. Off until changed. */
void pdf_bold(struct pdf *p, int on);

/* Width of s at size, in points. */
double pdf_text_width(struct pdf *p, const char *s, double size);
/* One line of s with its baseline at y: starting at x (PDF_LEFT), centred on
 * x (PDF_CENTER) or ending at x (PDF_RIGHT). '\n' is not special here. */
void pdf_text(struct pdf *p, double x, double y, double size, enum pdf_align align, const char *s);
void pdf_text_centered(struct pdf *p, double cx, double y, double size, const char *s);

/* s wrapped to width w (at '\n', between Chinese characters, and at spaces
 * inside runs of Latin text), its first line's top at top, each line
 * aligned within [x, x + w]. Returns the height used; pdf_wrap_height gives
 * the same figure without drawing. Lines are 1.4 × size apart. */
double pdf_wrap(struct pdf *p, double x, double top, double w, double size, enum pdf_align align,
                const char *s);
double pdf_wrap_height(struct pdf *p, double w, double size, const char *s);

void pdf_line(struct pdf *p, double x1, double y1, double x2, double y2, double width);
/* A rectangle with its bottom-left corner at (x, y): outlined, or filled. */
void pdf_box(struct pdf *p, double x, double y, double w, double h, double width);
void pdf_fill(struct pdf *p, double x, double y, double w, double h);

/* One row of a bordered form table: a label cell and its value, optionally a
 * second pair on the same row. Without label2 the value spans the remaining
 * columns. A NULL value leaves a blank cell to be filled in by hand. */
struct pdf_row {
	const char *label, *value;
	const char *label2, *value2;
	double height;    /* at least this tall, value top-aligned (boxes for opinions) */
	const char *foot; /* right-aligned at the bottom of the value cell, '\n' allowed:
	                     "（盖章）\n年　月　日" */
};

struct pdf_table {
	double x, top;
	double col[4]; /* widths: label, value, label2, value2 */
	double size;   /* font size */
	double border; /* line width of the cell borders */
	double row;    /* least height of a row, room to write by hand; 0: fits the text */
};

/* Draws rows as a table whose cells grow to fit their wrapped text. Labels
 * are centred, values left-aligned. Does not break pages: the caller lays
 * out a table that fits. Returns the y of the table's bottom edge. Nothing
 * is kept: rows may be freed after the call. */
double pdf_table(struct pdf *p, const struct pdf_table *t, const struct pdf_row *rows, int n);

/* Writes the document to path (created or replaced). 0, or -1 with e filled
 * when an earlier drawing call failed or the file cannot be written. */
int pdf_save_file(struct pdf *p, const char *path, struct err *e);
/* The document as bytes in *buf (malloc'd; the caller frees) and *len.
 * 0, or -1 with e filled and *buf NULL. */
int pdf_save_buffer(struct pdf *p, unsigned char **buf, size_t *len, struct err *e);

#endif
