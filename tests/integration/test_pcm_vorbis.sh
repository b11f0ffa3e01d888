#!/bin/sh
# The re-encoding output end to end, vorbis (test_pcm_onair.sh).
exec "$(dirname "$0")/test_pcm_onair.sh" vorbis
