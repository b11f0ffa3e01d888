/* placeholder: filename */
typedef int po_placeholder_filename;
