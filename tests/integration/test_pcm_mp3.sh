#!/bin/sh
# The re-encoding output end to end, mp3 (test_pcm_onair.sh).
exec "$(dirname "$0")/test_pcm_onair.sh" mp3
