/* placeholder: config */
typedef int po_placeholder_config;
