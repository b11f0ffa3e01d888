/* placeholder: ctl */
typedef int po_placeholder_ctl;
