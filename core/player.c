/* placeholder: player */
typedef int po_placeholder_player;
