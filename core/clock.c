/* placeholder: clock */
typedef int po_placeholder_clock;
