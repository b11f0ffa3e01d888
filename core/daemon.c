/* placeholder: daemon */
typedef int po_placeholder_daemon;
