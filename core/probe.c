/* placeholder: probe */
typedef int po_placeholder_probe;
