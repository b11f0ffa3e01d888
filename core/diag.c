/* placeholder: diag */
typedef int po_placeholder_diag;
