/* placeholder: snapshot */
typedef int po_placeholder_snapshot;
