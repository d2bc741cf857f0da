# shellcheck shell=bash
# Shared by scripts/test, scripts/run and bench/*.sh: install what is missing, configure, build.
# Source it; it defines functions and TERN_ROOT and changes nothing else.

TERN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Everything a build, a test or a benchmark of tern needs, as Debian packages.
TERN_PACKAGES=(
  build-essential cmake ninja-build pkg-config binutils
  libasio-dev libssl-dev openssl libprotobuf-dev protobuf-compiler liblz4-dev doctest-dev
  clang-14 libclang-rt-14-dev
  redis-tools redis-server python3-redis python3-pytest
)

# Parallel jobs for builds and ctest; override with TERN_JOBS.
TERN_JOBS="${TERN_JOBS:-$(nproc 2>/dev/null || echo 2)}"

tern_section() {
  printf '\n==== %s ====\n' "$*"
}

# Installs the packages of TERN_PACKAGES that dpkg does not list as installed. When none is
# missing it touches nothing (no apt-get update), so a re-run costs a second.
tern_install_packages() {
  local missing=() package status
  for package in "${TERN_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    echo "all ${#TERN_PACKAGES[@]} packages already installed"
    return 0
  fi

  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "missing packages (${missing[*]}), and not root and no sudo to install them" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "installing: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# tern_build <build dir> [cmake -D options...]
# Configures (Ninja when available, else Makefiles) and builds every target. Re-running on an
# existing build directory only rebuilds what changed.
tern_build() {
  local build_dir="$1"
  shift
  local generator=()
  # The generator of an existing build directory cannot change; only choose it for a new one.
  if [[ ! -f "$TERN_ROOT/$build_dir/CMakeCache.txt" ]]; then
    if command -v ninja >/dev/null; then
      generator=(-G Ninja)
    else
      generator=(-G "Unix Makefiles")
    fi
  fi
  cmake -S "$TERN_ROOT" -B "$TERN_ROOT/$build_dir" "${generator[@]}" "$@"
  cmake --build "$TERN_ROOT/$build_dir" --parallel "$TERN_JOBS"
}

# The Release build with GCC that scripts/run, scripts/test and the benchmarks share.
tern_build_release() {
  tern_build build/release -DCMAKE_BUILD_TYPE=Release
}

# tern_ctest <build dir> <log file>: runs that build's tests; the output goes to the terminal and
# to the log (scripts/test reads ctest's closing line back for its summary).
tern_ctest() {
  local build_dir="$1" log="$2"
  ctest --test-dir "$TERN_ROOT/$build_dir" --output-on-failure --no-tests=error \
    --parallel "$TERN_JOBS" 2>&1 | tee "$log"
}
