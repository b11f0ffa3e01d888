/* placeholder: http */
typedef int po_placeholder_http;
