# Helpers shared by parlab's scripts (sourced, not run): errors, package installation, paths.
# shellcheck shell=bash

PARLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Debian's python3, whose packages (python3-matplotlib) a pyenv or venv python3 earlier on PATH
# would not see.
PARLAB_PYTHON=/usr/bin/python3

die() {
  echo "error: $*" >&2
  exit 2
}

note() {
  echo "==> $*" >&2
}

# The Debian packages every parlab command needs: compilers, CMake, the test and benchmark
# libraries, the peers (oneTBB, OpenMP for clang) and Debian's python3 for reports. Names without a
# version where Debian has one (libclang-rt-dev is the sanitizer runtime of the default clang:
# 14 on Debian 12, 19 on Debian 13), so the same list installs on both; docs/setup.md.
PARLAB_BASE_PACKAGES=(git cmake ninja-build g++ clang libclang-rt-dev libgtest-dev libgmock-dev
  libbenchmark-dev libtbb-dev libomp-dev nlohmann-json3-dev graphviz python3 relacy-dev)
# The libcxx preset's extras: clang and libc++ 19, the newest that Debian 12 and 13 both ship, and
# GoogleTest's sources, which that preset builds against libc++ (Debian's libgtest is libstdc++'s).
PARLAB_LIBCXX_PACKAGES=(clang-19 libc++-19-dev libc++abi-19-dev googletest)

# ensure_packages PKG...: installs whichever of the packages are missing, with apt-get (through
# sudo when not root). Set PARLAB_NO_INSTALL=1 to skip, e.g. on a machine you manage yourself.
ensure_packages() {
  [[ "${PARLAB_NO_INSTALL:-0}" == 1 ]] && return 0
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null ||
    die "missing packages (${missing[*]}) and no apt-get: install them by hand, then rerun with PARLAB_NO_INSTALL=1"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}): run as root or install sudo"
    sudo=(sudo)
  fi
  note "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# Lab numbers present in this checkout (01 02 ...), from the labs/NN_name folders.
all_labs() {
  local dir
  for dir in "$PARLAB_ROOT"/labs/[0-9][0-9]_*/; do
    [[ -d "$dir" ]] && basename "$dir" | cut -c1-2
  done
}

# normalise_lab N: "3" or "03" -> "03"; dies on anything else.
normalise_lab() {
  [[ "$1" =~ ^[0-9]{1,2}$ ]] || die "--lab takes a lab number such as 1 or 03, not '$1'"
  printf '%02d' "$((10#$1))"
}

has_solutions() {
  [[ -d "$PARLAB_ROOT/solutions" ]]
}
