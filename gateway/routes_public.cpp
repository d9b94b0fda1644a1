// Public market data: health, the reference data, instruments, books and the trade tape (from
// the live model; a delisted instrument's from the market-data store). No key.

#include <nlohmann/json.hpp>

#include "gateway/api.hpp"
#include "gateway/limits.hpp"
#include "gateway/views.hpp"
#include "ledger/market_data_store.hpp"

namespace cux::gateway {

using namespace cux::engine;

namespace {

// The newest trades of an instrument from DIR/marketdata.db; false when it holds none.
bool stored_tape(const std::string& db, uint32_t instrument, std::size_t limit, uint64_t before,
                 std::vector<trade_row>& out) {
    auto reader = ledger::md_reader::open(db);
    if (!reader) return false;
    auto tape = reader.value().tape(instrument, limit, before);
    if (!tape || tape.value().empty()) return false;
    out.clear();
    for (const ledger::md::tape_trade& t : tape.value()) {
        out.push_back(
            trade_row{t.trade_id, t.seq, t.price_fen, t.qty, t.aggressor, t.auction, t.ts});
    }
    return true;
}

}  // namespace

handled api::get_health(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err)) {
        out = error(err);
        return handled::respond;
    }
    const bool failed = d_.pipeline.failed();
    const json body = {{"status", failed ? "failed" : "ok"}, {"seq", d_.consumer.applied_seq()}};
    out = json_response(failed ? 503 : 200, body.dump());
    return handled::respond;
}

handled api::get_reference(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({}, err)) {
        out = error(err);
        return handled::respond;
    }
    out = json_response(200, reference_);
    return handled::respond;
}

handled api::get_instruments(const context& c, http_response& out) {
    api_error err;
    if (!c.tgt.only({"chip", "region", "status"}, err)) {
        out = error(err);
        return handled::respond;
    }
    instrument_filter f;
    if (const auto chip = c.tgt.param("chip")) {
        f.chip = d_.market.chip_index(std::string(*chip));
        if (f.chip < 0) {
            out = error(make_error(400, "UNKNOWN_CHIP", "no such chip", "chip"));
            return handled::respond;
        }
    }
    if (const auto region = c.tgt.param("region")) {
        f.region = d_.market.region_index(std::string(*region));
        if (f.region < 0) {
            out = error(make_error(400, "UNKNOWN_REGION", "no such region", "region"));
            return handled::respond;
        }
    }
    if (const auto status = c.tgt.param("status")) {
        for (int s = 0; s <= static_cast<int>(instrument_status::settled); ++s) {
            if (*status == status_name(static_cast<instrument_status>(s))) {
                f.status = static_cast<instrument_status>(s);
            }
        }
        if (!f.status) {
            out = error(make_error(400, "BAD_REQUEST",
                                   "status must be pre_open, open, closing, closed, delivering "
                                   "or settled",
                                   "status"));
            return handled::respond;
        }
    }
    json list = json::array();
    for (const instrument_row& r : d_.market_data.instruments(f)) {
        list.push_back(instrument_json(d_.market, r));
    }
    out = json_response(200, list.dump());
    return handled::respond;
}

handled api::get_book(const context& c, http_response& out) {
    api_error err;
    uint64_t depth = 0;
    if (!c.tgt.only({"depth"}, err) || !c.tgt.uint_param("depth", 1, limits::book_depth_max,
                                                         limits::book_depth_default, depth, err)) {
        out = error(err);
        return handled::respond;
    }
    const std::string& symbol = c.tgt.segments[2];
    const auto id = instrument_of(symbol);
    book_snapshot b;
    if (!id || !d_.market_data.book(*id, depth, b)) {
        out =
            error(make_error(404, "UNKNOWN_INSTRUMENT", "no such instrument is listed", "symbol"));
        return handled::respond;
    }
    out = json_response(200, book_json(symbol, b).dump());
    return handled::respond;
}

handled api::get_trades(const context& c, http_response& out) {
    api_error err;
    uint64_t limit = 0;
    uint64_t before = 0;
    if (!c.tgt.only({"limit", "before_seq"}, err) ||
        !c.tgt.uint_param("limit", 1, limits::trades_per_instrument, limits::list_limit_default,
                          limit, err) ||
        !c.tgt.uint_param("before_seq", 1, UINT64_MAX, 0, before, err)) {
        out = error(err);
        return handled::respond;
    }
    const auto id = instrument_of(c.tgt.segments[2]);
    std::vector<trade_row> rows;
    // A delisted instrument's tape is read from the market-data store (issue 6).
    if (!id || (!d_.market_data.trades(*id, limit, before, rows) &&
                !stored_tape(d_.market_data_db, id->value(), limit, before, rows))) {
        out =
            error(make_error(404, "UNKNOWN_INSTRUMENT", "no such instrument is listed", "symbol"));
        return handled::respond;
    }
    json list = json::array();
    for (const trade_row& t : rows) list.push_back(trade_json(t));
    out = json_response(200, list.dump());
    return handled::respond;
}

}  // namespace cux::gateway
