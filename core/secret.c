/* placeholder: secret */
typedef int po_placeholder_secret;
