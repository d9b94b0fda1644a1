#!/usr/bin/env bash
# Fails when a module includes a header from a layer above it (DESIGN.md section 9):
#   engine/  C++20 and std only: no boost/, nlohmann/, sqlite3, openssl/, gtest/, gmock/,
#            benchmark/ and no gateway/, ledger/ or tools/ headers
#   ledger/  may use engine/ and SQLite: no gateway/ or tools/ headers
#   gateway/ no tools/ headers (nothing includes tools/)
# CMake's target graph already stops most of this at link time; this catches a header-only
# include that would still compile. Usage: layering_test.sh [SOURCE_DIR]
set -euo pipefail

# Prints each offending include of files under $1/$2 matching the extended regex $3; returns
# the number found (0 when clean or when the directory does not exist).
check_dir() {
    local root=$1 dir=$2 pattern=$3
    [[ -d "$root/$dir" ]] || return 0
    local hits
    hits=$(grep -rnE --include='*.hpp' --include='*.cpp' --include='*.h' --include='*.cc' \
        "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$root/$dir" || true)
    [[ -z "$hits" ]] && return 0
    echo "$hits" | sed "s|^$root/|  |"
    local n
    n=$(echo "$hits" | wc -l)
    return $((n > 60 ? 60 : n))  # an exit status wraps at 256
}

# Total violations in the tree rooted at $1.
check_tree() {
    local root=$1 total=0 n
    check_dir "$root" engine \
        'boost/|nlohmann/|sqlite3|openssl/|gtest/|gmock/|benchmark/|gateway/|ledger/|tools/' \
        && n=0 || n=$?
    total=$((total + n))
    check_dir "$root" ledger 'gateway/|tools/' && n=0 || n=$?
    total=$((total + n))
    check_dir "$root" gateway 'tools/' && n=0 || n=$?
    total=$((total + n))
    return "$total"
}

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# Self-test first, so that a broken pattern cannot pass silently: a planted violation per rule
# must be found, and an allowed include must not be.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/engine/detail" "$scratch/ledger" "$scratch/gateway"
printf '#include <vector>\n#include "engine/types.hpp"\n' >"$scratch/engine/ok.hpp"
printf '#include <boost/asio.hpp>\n' >"$scratch/engine/a.cpp"
printf '  #  include "gateway/x.hpp"\n' >"$scratch/engine/detail/b.hpp"
printf '#include <sqlite3.h>\n#include "engine/market.hpp"\n#include "tools/y.hpp"\n' \
    >"$scratch/ledger/c.cpp"
printf '#include <nlohmann/json.hpp>\n#include "tools/z.hpp"\n' >"$scratch/gateway/d.cpp"
found=0
check_tree "$scratch" >/dev/null || found=$?
if [[ $found -ne 4 ]]; then
    echo "layering_test: self-test found $found planted violations, expected 4" >&2
    exit 1
fi

violations=0
check_tree "$src" || violations=$?
if [[ $violations -ne 0 ]]; then
    echo "layering_test: $violations include(s) point up the layers (see DESIGN.md section 9)" >&2
    exit 1
fi
echo "layering_test: engine/, ledger/ and gateway/ include only their own layer and below"
