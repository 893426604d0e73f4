#!/bin/bash -eu
# .clusterfuzzlite/build.sh - ClusterFuzzLite builds the fuzz targets with
# the same script as OSS-Fuzz: oss-fuzz/build.sh, run from the checkout
# (the Dockerfile's WORKDIR), which reads the same variables.
exec bash oss-fuzz/build.sh "$@"
