/* placeholder: refresh */
typedef int po_placeholder_refresh;
