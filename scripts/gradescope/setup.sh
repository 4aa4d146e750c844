#!/usr/bin/env bash
# Gradescope's setup.sh for parlab (runs once, as root, when the autograder image is built).
# The autograder zip holds this parlab checkout (with solutions/) plus, at its root, this file,
# run_autograder and grade-args (see scripts/gradescope/make-autograder-zip). Needs a base image
# with CMake >= 3.25 and Python >= 3.11: Gradescope's Ubuntu 24.04 image, or any Debian 12 one.
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The packages scripts/lib/common.sh lists (PARLAB_BASE_PACKAGES); the tsan runtime for clang 14
# is libclang-rt-14-dev on Debian 12 and Ubuntu 24.04.
apt-get install -y -qq --no-install-recommends git cmake ninja-build g++ clang-14 clang \
  libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev libtbb-dev libomp-dev python3 \
  llvm bubblewrap python3-seccomp >/dev/null
python3 -c 'import sys, tomllib; assert sys.version_info >= (3, 11)' ||
  { echo "setup.sh: python3 >= 3.11 is needed (tomllib); pick an Ubuntu 24.04 or Debian 12 image" >&2; exit 1; }
cmake --version | awk 'NR==1 { split($3, v, "."); if (v[1] < 3 || (v[1] == 3 && v[2] < 25)) exit 1 }' ||
  { echo "setup.sh: CMake >= 3.25 is needed; pick an Ubuntu 24.04 or Debian 12 image" >&2; exit 1; }
# Prove the course builds here once, so that a broken image fails now rather than on students.
PARLAB_NO_INSTALL=1 scripts/grade --check-manifests
