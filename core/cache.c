/* placeholder: cache */
typedef int po_placeholder_cache;
