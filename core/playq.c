/* placeholder: playq */
typedef int po_placeholder_playq;
