#!/bin/sh
# The re-encoding output end to end, opus (test_pcm_onair.sh).
exec "$(dirname "$0")/test_pcm_onair.sh" opus
