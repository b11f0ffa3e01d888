/* placeholder: loader */
typedef int po_placeholder_loader;
