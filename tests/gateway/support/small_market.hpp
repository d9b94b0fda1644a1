#pragma once
// The small test market (tests/data/market_small.json), loaded once per test binary, for the
// tests of the pure request and view code that need a market but no server.

#include <string>

#include "engine/market.hpp"
#include "gateway/market_file.hpp"

namespace cux::gateway::test_support {

inline const engine::market_config& small_market() {
    static const engine::market_config m =
        load_market_file(std::string(CUX_SOURCE_DIR) + "/tests/data/market_small.json");
    return m;
}

}  // namespace cux::gateway::test_support
