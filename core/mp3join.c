/* placeholder: mp3join */
typedef int po_placeholder_mp3join;
