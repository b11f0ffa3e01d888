/* placeholder: rundown */
typedef int po_placeholder_rundown;
