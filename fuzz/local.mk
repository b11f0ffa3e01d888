# libFuzzer targets, built with ./configure --enable-fuzzing CC=clang
if FUZZING
endif
