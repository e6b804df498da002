#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build step: $CC, $CFLAGS, $LIB_FUZZING_ENGINE
# and $OUT come from the builder image; fuzz/build.sh does the rest.
exec "$SRC/sessim/fuzz/build.sh"
