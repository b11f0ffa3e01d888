/* placeholder: mp3 */
typedef int po_placeholder_mp3;
