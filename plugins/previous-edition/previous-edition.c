#include <playout/plugin.h>
extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = { .abi = 0, .name = "previous-edition" };
