/*
 * HTML escaping for the status page: text and attribute values alike.
 */
#ifndef PO_HTML_H
#define PO_HTML_H

#include <stdio.h>

/* Write s with & < > " ' as character references; control bytes other
 * than tab and newline dropped. Bytes >= 0x80 pass (the page is UTF-8). */
void po_html_escape(FILE *f, const char *s);

#endif
