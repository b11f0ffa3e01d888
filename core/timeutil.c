/* placeholder: timeutil */
typedef int po_placeholder_timeutil;
