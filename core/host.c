/* placeholder: host */
typedef int po_placeholder_host;
