/* placeholder: log */
typedef int po_placeholder_log;
