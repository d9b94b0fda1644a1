// `cux demo`: a short scripted market on the real engine and the default market file. Two
// vendors (one eastern hub, one western), two buyers; it prints the books, two job orders' route
// reports (the delivered cost of each in each region: the east-west question in numbers, as the
// engine's scheduler answers it), the trades with their cost lines, and the balances.
// Deterministic for a given start time (--at, default: now).

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/symbol.hpp"
#include "gateway/market_file.hpp"
#include "tools/commands.hpp"
#include "tools/format.hpp"

namespace cux::tools {

namespace {

using namespace cux::engine;

class demo final : public event_sink {
public:
    explicit demo(const market_config& m) : ex_(m, exchange_config{}) {}

    void on_event(const event& e) override { events_.push_back(e); }

    std::vector<event> run(command c) {
        c.seq = ex_.last_seq() + 1;
        c.ts = now_;
        events_.clear();
        ex_.apply(c, *this);
        return events_;
    }

    participant_id add(const char* name, uint8_t roles) {
        command c;
        c.type = command_type::create_participant;
        c.body.create.roles = roles;
        std::strncpy(c.body.create.name, name, sizeof c.body.create.name - 1);
        for (const event& e : run(c)) {
            if (e.type == event_type::participant_created) return e.body.created.participant;
        }
        throw std::runtime_error(std::string("demo: could not create ") + name);
    }

    void deposit(participant_id p, int64_t fen) {
        command c;
        c.type = command_type::deposit;
        c.body.money.target = p;
        c.body.money.amount = money_fen(fen);
        expect_ok(run(c), "deposit");
    }

    void capacity(participant_id p, std::size_t chip, std::size_t region, int64_t devices) {
        command c;
        c.type = command_type::register_capacity;
        c.actor = p;
        c.body.capacity.chip = static_cast<uint8_t>(chip);
        c.body.capacity.region = static_cast<uint8_t>(region);
        c.body.capacity.devices = qty_devices(devices);
        c.body.capacity.from_hour = now_ / ns_per_hour;
        c.body.capacity.to_hour = now_ / ns_per_hour + 72;
        expect_ok(run(c), "capacity");
    }

    std::vector<event> order(participant_id p, instrument_id inst, side sd, int64_t price,
                             int64_t qty, time_in_force tif = time_in_force::gtc,
                             uint8_t origin = origin_none, int64_t data_gb = 0) {
        command c;
        c.type = command_type::place_order;
        c.actor = p;
        c.body.place.instrument = inst;
        c.body.place.sd = sd;
        c.body.place.type = order_type::limit;
        c.body.place.tif = tif;
        c.body.place.stp = stp_mode::cancel_newest;
        c.body.place.origin_region = origin;
        c.body.place.price = price_fen(price);
        c.body.place.qty = qty_devices(qty);
        c.body.place.data_gb = data_gb;
        auto evs = run(c);
        expect_ok(evs, "order");
        return evs;
    }

    void tick(utc_ns t) {
        now_ = t;
        command c;
        c.type = command_type::tick;
        run(c);
    }

    static void expect_ok(const std::vector<event>& evs, const char* what) {
        for (const event& e : evs) {
            if (e.type == event_type::rejected) {
                throw std::runtime_error(std::string("demo: ") + what +
                                         " rejected: " + reject_code(e.body.rejected.reason));
            }
        }
    }

    void print_book(instrument_id id) const {
        const instrument_state* in = ex_.instrument(id);
        const market_config& m = ex_.market();
        std::printf("\n  book %s  (%s, reference %s, band %s..%s CNY per device-hour)\n",
                    format_symbol(m, in->key).c_str(), status_name(in->status),
                    yuan(in->reference.value()).c_str(), yuan(in->band_low.value()).c_str(),
                    yuan(in->band_high.value()).c_str());
        std::vector<std::string> bids;
        std::vector<std::string> asks;
        ex_.for_each_level(*in, side::buy, [&](price_fen p, qty_devices q, int64_t n) {
            bids.push_back(row(p, q, n));
        });
        ex_.for_each_level(*in, side::sell, [&](price_fen p, qty_devices q, int64_t n) {
            asks.push_back(row(p, q, n));
        });
        std::printf("    %-28s %s\n", "bids (price  devices  orders)", "asks");
        for (std::size_t i = 0; i < std::max(bids.size(), asks.size()); ++i) {
            std::printf("    %-28s %s\n", i < bids.size() ? bids[i].c_str() : "",
                        i < asks.size() ? asks[i].c_str() : "");
        }
    }

    void print_trades(const std::vector<event>& evs) const {
        const market_config& m = ex_.market();
        for (const event& e : evs) {
            if (e.type != event_type::trade) continue;
            const trade_body& t = e.body.trade;
            const int64_t total =
                t.compute.value() + t.energy.value() + t.network.value() + t.buyer_fee.value();
            std::printf(
                "  trade #%llu %s  %lld devices at %s\n"
                "      compute %s + energy %s + network %s + fee %s = %s CNY delivered\n",
                static_cast<unsigned long long>(t.id.value()),
                format_symbol(m, unpack(t.instrument)).c_str(),
                static_cast<long long>(t.qty.value()), yuan(t.price.value()).c_str(),
                yuan(t.compute.value()).c_str(), yuan(t.energy.value()).c_str(),
                yuan(t.network.value()).c_str(), yuan(t.buyer_fee.value()).c_str(),
                yuan(total).c_str());
        }
    }

    // A job's route report: each candidate region with its delivered cost, then the outcome.
    void print_route(const std::vector<event>& evs) const {
        const market_config& m = ex_.market();
        for (const event& e : evs) {
            if (e.type == event_type::job_candidate) {
                const job_candidate_body& k = e.body.candidate;
                const int64_t total =
                    k.compute.value() + k.energy.value() + k.network.value() + k.fees.value();
                if (k.exclusion == job_exclusion::none || total > 0) {
                    std::printf(
                        "    %-4s %s compute %8s + energy %6s + network %6s + fee %5s = %8s CNY "
                        "(%s per device-hour)%s\n",
                        m.regions[k.region].id.c_str(), m.chips[k.chip].id.c_str(),
                        yuan(k.compute.value()).c_str(), yuan(k.energy.value()).c_str(),
                        yuan(k.network.value()).c_str(), yuan(k.fees.value()).c_str(),
                        yuan(total).c_str(), yuan(k.unit_price_fen).c_str(),
                        k.taken.value() > 0 ? "  <- bought" : "");
                } else {
                    std::printf("    %-4s %s excluded: %s\n", m.regions[k.region].id.c_str(),
                                m.chips[k.chip].id.c_str(), job_exclusion_name(k.exclusion));
                }
            } else if (e.type == event_type::job_done) {
                std::printf("  job %s (%s), %lld devices\n", job_status_name(e.body.job.status),
                            reject_code(e.body.job.reason),
                            static_cast<long long>(e.body.job.devices.value()));
            }
        }
    }

    void print_balance(const char* name, participant_id p) const {
        const participant_state* ps = ex_.participant(p);
        std::printf("  %-12s available %14s   held %12s   escrow %12s\n", name,
                    yuan(ps->available.value()).c_str(), yuan(ps->held.value()).c_str(),
                    yuan(ps->escrow.value()).c_str());
    }

    const exchange& ex() const { return ex_; }
    utc_ns now() const { return now_; }
    void set_now(utc_ns t) { now_ = t; }

private:
    static std::string row(price_fen p, qty_devices q, int64_t n) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%8s  %5lld  %4lld", yuan(p.value()).c_str(),
                      static_cast<long long>(q.value()), static_cast<long long>(n));
        return buf;
    }

    exchange ex_;
    std::vector<event> events_;
    utc_ns now_ = 0;
};

std::size_t index_or_throw(int i, const char* what) {
    if (i < 0) throw std::runtime_error(std::string("demo: the market file has no ") + what);
    return static_cast<std::size_t>(i);
}

}  // namespace

int cmd_demo(int argc, char** argv) {
    std::string market_path = default_market_path();
    utc_ns start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--market" && i + 1 < argc) {
            market_path = argv[++i];
        } else if (a == "--at" && i + 1 < argc) {
            const auto t = parse_rfc3339(argv[++i]);
            if (!t) throw std::runtime_error("demo: --at wants an RFC 3339 UTC time");
            start = *t;
        } else {
            std::fprintf(stderr, "usage: cux demo [--market FILE] [--at RFC3339]\n");
            return 2;
        }
    }
    const market_config m = gateway::load_market_file(market_path);
    const std::size_t h100 = index_or_throw(m.chip_index("h100"), "chip h100");
    const std::size_t yrd = index_or_throw(m.region_index("yrd"), "region yrd");
    const std::size_t nx = index_or_throw(m.region_index("nx"), "region nx");

    demo d(m);
    d.set_now(start / ns_per_s * ns_per_s);
    std::printf("cux demo: the engine alone, on %s, starting %s\n", market_path.c_str(),
                format_rfc3339(d.now()).c_str());
    const participant_id east = d.add("east-cloud", role_vendor);
    const participant_id west = d.add("west-dc", role_vendor);
    const participant_id lab = d.add("ai-lab", role_buyer);
    const participant_id farm = d.add("render-farm", role_buyer);
    std::printf("listed %zu instruments (%zu chips x %zu regions x %lld hourly + %lld daily)\n",
                d.ex().live_instruments(), m.chips.size(), m.regions.size(),
                static_cast<long long>(m.calendar.hourly_slots),
                static_cast<long long>(m.calendar.daily_windows));
    d.deposit(lab, 100'000'000);  // 1,000,000.00 CNY
    d.deposit(farm, 100'000'000);
    d.capacity(east, h100, yrd, 64);
    d.capacity(west, h100, nx, 128);
    d.tick(d.now() + (m.calendar.pre_open_s + 1) * ns_per_s);  // opening auctions

    // The first hourly window still open for trading.
    const epoch_hour first = (d.now() + m.calendar.gate_closure_s * ns_per_s) / ns_per_hour + 1;
    const instrument_id east_i =
        pack({static_cast<uint8_t>(h100), static_cast<uint8_t>(yrd), tenor::hour, first});
    const instrument_id west_i =
        pack({static_cast<uint8_t>(h100), static_cast<uint8_t>(nx), tenor::hour, first});
    d.order(east, east_i, side::sell, 1200, 8);
    d.order(east, east_i, side::sell, 1220, 8);
    d.order(east, east_i, side::sell, 1250, 16);
    d.order(west, west_i, side::sell, 1080, 16);
    d.order(west, west_i, side::sell, 1100, 32);
    d.order(farm, east_i, side::buy, 1150, 4);
    d.order(farm, west_i, side::buy, 1000, 8);
    d.print_book(east_i);
    d.print_book(west_i);

    // Two jobs from yrd want 8 H100 for the hour, in yrd or nx. Each is a job order: the
    // engine prices both regions from their books (compute at the asks it would sweep, that
    // region's energy, moving the job's data there, fees) and buys where it is cheapest
    // delivered, in one command.
    struct job {
        const char* buyer_name;
        participant_id buyer;
        int64_t data_gb;
    };
    for (const job& j : {job{"ai-lab", lab, 2000}, job{"render-farm", farm, 20}}) {
        std::printf(
            "\n  %s: job order, 8 x h100 for 1 h, %lld GB of data in yrd, may run in yrd "
            "or nx. Route report:\n",
            j.buyer_name, static_cast<long long>(j.data_gb));
        command c;
        c.type = command_type::place_job;
        c.actor = j.buyer;
        job_body& b = c.body.job;
        b.chips = 1U << h100;
        b.regions = (1U << yrd) | (1U << nx);
        b.start_hour = static_cast<uint32_t>(first);
        b.hours = 1;
        b.size = 8;
        b.origin_region = static_cast<uint8_t>(yrd);
        b.data_gb = static_cast<uint32_t>(j.data_gb);
        b.max_price_fen = 3000;  // 30.00 CNY per device-hour delivered
        b.tif = time_in_force::ioc;
        std::strncpy(b.client_order_id, j.buyer_name, sizeof b.client_order_id - 1);
        const std::vector<event> evs = d.run(c);
        demo::expect_ok(evs, "job");
        d.print_route(evs);
        d.print_trades(evs);
    }
    d.print_book(east_i);
    d.print_book(west_i);
    std::printf("\n");
    d.print_balance("ai-lab", lab);
    d.print_balance("render-farm", farm);
    std::printf("\nstate hash %016llx after %llu commands\n",
                static_cast<unsigned long long>(d.ex().state_hash()),
                static_cast<unsigned long long>(d.ex().last_seq()));
    return 0;
}

}  // namespace cux::tools
