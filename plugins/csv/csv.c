#include <playout/plugin.h>
extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = { .abi = PLAYOUT_PLUGIN_ABI, .name = "csv" };
