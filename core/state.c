/* placeholder: state */
typedef int po_placeholder_state;
