// The market file loader (see market_file.hpp). The rules here mirror schemas/market.schema.json
// and add what a schema cannot say: unique ids, references between sections, every region pair
// once, prices on their tick. tests/data/market_bad/ holds files both must refuse.

#include "gateway/market_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/limits.hpp"

namespace cux::gateway {

namespace {

using json = nlohmann::json;

constexpr std::size_t name_chars_max = 80;
constexpr std::size_t text_chars_max = 2000;
constexpr int depth_max = 16;
// The engine's bounds (engine/market.cpp), checked here so that the message names the JSON path.
constexpr int64_t tariff_mcny_kwh_max = 100'000;   // 100 CNY per kWh
constexpr int64_t tariff_mcny_gb_max = 1'000'000;  // 1000 CNY per GB

// A key or value quoted in a message: control characters escaped and long text cut, so that
// every message stays one printable line.
std::string shown(std::string_view s) {
    std::string out = "\"";
    std::size_t n = 0;
    for (char c : s) {
        if (++n > 40) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '"' || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// path.key, with the key made printable (it may be an unknown key from the file).
std::string join(const std::string& path, std::string_view key) {
    const std::string k = shown(key);
    const std::string bare = k.substr(1, k.size() - 2);  // without the quotes
    return path.empty() ? bare : path + "." + bare;
}

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

// Refuses duplicate object keys (nlohmann keeps the last one silently) and deep nesting while
// parsing, tracking the JSON path of the value being read.
class strict_parse_callback {
public:
    explicit strict_parse_callback(const std::string& file) : file_(file) {}

    bool operator()(int depth, json::parse_event_t event, json& parsed) {
        if (depth > depth_max) {
            throw std::runtime_error("market file " + file_ + ": " + child_path() +
                                     ": nested deeper than " + std::to_string(depth_max) +
                                     " levels");
        }
        switch (event) {
            case json::parse_event_t::object_start:
                stack_.push_back(frame{true, child_path(), {}, {}, 0});
                break;
            case json::parse_event_t::array_start:
                stack_.push_back(frame{false, child_path(), {}, {}, 0});
                break;
            case json::parse_event_t::key: {
                frame& f = stack_.back();
                f.key = parsed.get<std::string>();
                if (!f.keys.insert(f.key).second) {
                    throw std::runtime_error("market file " + file_ + ": " + join(f.path, f.key) +
                                             ": duplicate key");
                }
                break;
            }
            case json::parse_event_t::value:
                if (!stack_.empty() && !stack_.back().object) ++stack_.back().next;
                break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                stack_.pop_back();
                break;
        }
        return true;
    }

private:
    struct frame {
        bool object;
        std::string path;
        std::set<std::string> keys;
        std::string key;   // the key whose value is being read (objects)
        std::size_t next;  // the index of the next element (arrays)
    };

    // The path of a value that starts now: the current key, or the next array index.
    std::string child_path() {
        if (stack_.empty()) return "";
        frame& f = stack_.back();
        return f.object ? join(f.path, f.key) : index(f.path, f.next++);
    }

    const std::string& file_;
    std::vector<frame> stack_;
};

// Reads one JSON document into a market_config; every error names the file and a JSON path.
class reader {
public:
    explicit reader(const std::string& file) : file_(file) {}

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw std::runtime_error("market file " + file_ + ": " + (path.empty() ? "(root)" : path) +
                                 ": " + problem);
    }

    engine::market_config read(const json& root) {
        expect_object(root, "",
                      {"version", "description", "provenance", "calendar", "fees", "price_band_bps",
                       "market_collar_bps", "carriers", "regions", "clusters", "chips", "network"});
        engine::market_config m;
        if (integer(root, "", "version", 0, 1'000'000) != 1) fail("version", "must be 1");
        if (root.contains("description")) text(root, "", "description");
        read_provenance(member(root, "", "provenance"), "provenance");
        read_calendar(member(root, "", "calendar"), "calendar", m.calendar);
        const json& fees = member(root, "", "fees");
        expect_object(fees, "fees", {"maker_bps", "taker_bps"});
        m.maker_fee_bps = integer(fees, "fees", "maker_bps", 0, 1000);
        m.taker_fee_bps = integer(fees, "fees", "taker_bps", 0, 1000);
        m.band_bps = integer(root, "", "price_band_bps", 100, 9000);
        m.market_collar_bps = integer(root, "", "market_collar_bps", 1, 5000);
        read_carriers(array(root, "", "carriers", 1, engine::limits::carriers_max), "carriers", m);
        read_regions(array(root, "", "regions", 1, engine::limits::regions_max), "regions", m);
        if (root.contains("clusters"))
            read_clusters(array(root, "", "clusters", 0, 256), "clusters", m);
        read_chips(array(root, "", "chips", 1, engine::limits::chips_max), "chips", m);
        read_network(member(root, "", "network"), "network", m);
        if (const std::string problem = engine::validate(m); !problem.empty()) {
            throw std::runtime_error("market file " + file_ + ": " + problem);
        }
        return m;
    }

private:
    // --- generic checks --------------------------------------------------------------------

    void expect_object(const json& j, const std::string& path,
                       std::initializer_list<const char*> allowed) const {
        if (!j.is_object()) fail(path, "must be an object");
        for (const auto& [key, value] : j.items()) {
            bool known = false;
            for (const char* a : allowed) known = known || key == a;
            if (!known) fail(join(path, key), "unknown field");
        }
    }

    const json& member(const json& obj, const std::string& path, const char* key) const {
        const auto it = obj.find(key);
        if (it == obj.end()) fail(join(path, key), "missing");
        return *it;
    }

    const json& array(const json& obj, const std::string& path, const char* key,
                      std::size_t min_items, std::size_t max_items) const {
        const json& j = member(obj, path, key);
        if (!j.is_array() || j.size() < min_items || j.size() > max_items) {
            fail(join(path, key), "must be an array of " +
                                      (min_items == max_items ? std::to_string(min_items)
                                                              : std::to_string(min_items) + " to " +
                                                                    std::to_string(max_items)) +
                                      " items");
        }
        return j;
    }

    // Unicode code points in valid UTF-8 (nlohmann has already refused invalid UTF-8).
    static std::size_t chars(const std::string& s) {
        std::size_t n = 0;
        for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
        return n;
    }

    std::string string_at(const json& j, const std::string& path, std::size_t min_chars,
                          std::size_t max_chars) const {
        if (!j.is_string()) fail(path, "must be a string");
        const std::string& s = j.get_ref<const std::string&>();
        const std::size_t n = chars(s);
        if (n < min_chars || n > max_chars) {
            fail(path, "must be a string of " + std::to_string(min_chars) + " to " +
                           std::to_string(max_chars) + " characters");
        }
        return s;
    }

    std::string name(const json& obj, const std::string& path, const char* key) const {
        return string_at(member(obj, path, key), join(path, key), 1, name_chars_max);
    }

    std::string text(const json& obj, const std::string& path, const char* key) const {
        return string_at(member(obj, path, key), join(path, key), 0, text_chars_max);
    }

    static bool valid_id(const std::string& s) {
        if (s.empty() || s.size() > 12) return false;
        for (char c : s) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
        }
        return true;
    }

    std::string id_at(const json& j, const std::string& path) const {
        if (!j.is_string()) fail(path, "must be a string");
        const std::string& s = j.get_ref<const std::string&>();
        if (!valid_id(s)) fail(path, "must match ^[a-z0-9]{1,12}$, got " + shown(s));
        return s;
    }

    std::string id(const json& obj, const std::string& path, const char* key) const {
        return id_at(member(obj, path, key), join(path, key));
    }

    std::string one_of(const json& obj, const std::string& path, const char* key,
                       std::initializer_list<const char*> values) const {
        const json& j = member(obj, path, key);
        std::string list;
        for (const char* v : values) {
            if (j.is_string() && j.get_ref<const std::string&>() == v) return v;
            list += list.empty() ? "" : ", ";
            list += std::string("\"") + v + "\"";
        }
        fail(join(path, key), "must be one of " + list);
    }

    int64_t integer(const json& obj, const std::string& path, const char* key, int64_t lo,
                    int64_t hi) const {
        const json& j = member(obj, path, key);
        const std::string msg =
            "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
        if (j.is_number_unsigned()) {
            const auto v = j.get<uint64_t>();
            if (hi < 0 || v > static_cast<uint64_t>(hi) || static_cast<int64_t>(v) < lo) {
                fail(join(path, key), msg);
            }
            return static_cast<int64_t>(v);
        }
        if (j.is_number_integer()) {
            const auto v = j.get<int64_t>();
            if (v < lo || v > hi) fail(join(path, key), msg);
            return v;
        }
        fail(join(path, key), msg);
    }

    static std::string decimal_text(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        std::string s = buf;
        if (s.find_first_of(".e") == std::string::npos) s += ".0";
        return s;
    }

    // A JSON number in [lo, hi], scaled by `scale` and rounded to the nearest integer.
    int64_t scaled_number(const json& obj, const std::string& path, const char* key, double lo,
                          double hi, double scale) const {
        const json& j = member(obj, path, key);
        if (!j.is_number() || !std::isfinite(j.get<double>()) || j.get<double>() < lo ||
            j.get<double>() > hi) {
            fail(join(path, key),
                 "must be a number in [" + decimal_text(lo) + ", " + decimal_text(hi) + "]");
        }
        return std::llround(j.get<double>() * scale);
    }

    // An exact decimal string "I[.F]" with at most `places` fraction digits, as an integer
    // count of 10^-places units; no leading zeros, no sign, no exponent, at most `max_units`.
    int64_t decimal_at(const json& j, const std::string& path, int places, int64_t max_units,
                       const char* example) const {
        const std::string msg = "must be a decimal string with at most " + std::to_string(places) +
                                " decimals, e.g. \"" + example + "\"";
        if (!j.is_string()) fail(path, msg);
        const std::string& s = j.get_ref<const std::string&>();
        const std::size_t dot = s.find('.');
        const std::string whole = s.substr(0, dot);
        const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
        const auto all_digits = [](const std::string& t) {
            for (char c : t) {
                if (c < '0' || c > '9') return false;
            }
            return true;
        };
        if (whole.empty() || whole.size() > 12 || !all_digits(whole) ||
            (whole.size() > 1 && whole[0] == '0') ||
            (dot != std::string::npos &&
             (frac.empty() || frac.size() > static_cast<std::size_t>(places) ||
              !all_digits(frac)))) {
            fail(path, msg + ", got " + shown(s));
        }
        int64_t units = 0;
        for (char c : whole) units = units * 10 + (c - '0');
        for (int i = 0; i < places; ++i) {
            const auto k = static_cast<std::size_t>(i);
            units = units * 10 + (k < frac.size() ? frac[k] - '0' : 0);
        }
        if (units > max_units) {
            std::string limit = std::to_string(max_units);
            const auto p = static_cast<std::size_t>(places);
            if (limit.size() <= p) limit.insert(0, p + 1 - limit.size(), '0');
            limit.insert(limit.size() - p, ".");
            fail(path, "must be at most \"" + limit + "\", got " + shown(s));
        }
        return units;
    }

    // A list of source ids, each a key of provenance.sources.
    void source_ids(const json& obj, const std::string& path, const char* key) const {
        const json& list = array(obj, path, key, 0, 32);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = index(join(path, key), i);
            if (!list[i].is_string()) fail(p, "must be a string");
            const std::string& s = list[i].get_ref<const std::string&>();
            if (sources_.count(s) == 0) {
                fail(p, "unknown source " + shown(s) + " (not in provenance.sources)");
            }
            if (!seen.insert(s).second) fail(p, "duplicate source " + shown(s));
        }
    }

    void refdata_id(const json& obj, const std::string& path) const {
        if (!obj.contains("refdata_id")) return;
        const std::string s = string_at(obj["refdata_id"], join(path, "refdata_id"), 1, 40);
        for (char c : s) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                fail(join(path, "refdata_id"), "must match ^[a-z0-9-]{1,40}$");
            }
        }
    }

    // --- sections ---------------------------------------------------------------------------

    void read_provenance(const json& p, const std::string& path) {
        expect_object(p, path, {"document", "generator", "labels", "sources"});
        text(p, path, "document");
        if (p.contains("generator")) text(p, path, "generator");
        if (p.contains("labels")) {
            const std::string lp = join(path, "labels");
            const json& labels = p["labels"];
            expect_object(labels, lp, {"sourced", "sourced-derived", "estimate"});
            for (const auto& [key, value] : labels.items()) {
                string_at(value, join(lp, key), 0, text_chars_max);
            }
        }
        const std::string sp = join(path, "sources");
        const json& sources = member(p, path, "sources");
        if (!sources.is_object() || sources.size() > 256) {
            fail(sp, "must be an object of at most 256 sources");
        }
        for (const auto& [key, value] : sources.items()) {
            if (!valid_source_id(key)) {
                fail(join(sp, key), "source id must match ^(S[0-9]{1,3}|N[0-9]{1,2})$");
            }
            string_at(value, join(sp, key), 0, text_chars_max);
            sources_.insert(key);
        }
    }

    static bool valid_source_id(const std::string& s) {
        const std::size_t digits_max = s.empty() ? 0 : (s[0] == 'S' ? 3 : s[0] == 'N' ? 2 : 0);
        if (s.size() < 2 || s.size() > 1 + digits_max) return false;
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
        }
        return true;
    }

    void read_calendar(const json& c, const std::string& path, engine::calendar_spec& out) const {
        expect_object(c, path,
                      {"hourly_slots", "daily_windows", "gate_closure_seconds", "pre_open_seconds",
                       "closing_call_seconds", "utc_offset_hours", "delivery_grace_seconds",
                       "retention_seconds"});
        out.hourly_slots = integer(c, path, "hourly_slots", 1, 1000);
        out.daily_windows = integer(c, path, "daily_windows", 1, 40);
        out.gate_closure_s = integer(c, path, "gate_closure_seconds", 1, 86'400);
        out.pre_open_s = integer(c, path, "pre_open_seconds", 1, 86'400);
        out.closing_call_s = integer(c, path, "closing_call_seconds", 1, 86'400);
        out.utc_offset_hours = integer(c, path, "utc_offset_hours", -12, 14);
        out.delivery_grace_s = integer(c, path, "delivery_grace_seconds", 0, 604'800);
        out.retention_s = integer(c, path, "retention_seconds", 1, 2'592'000);
        if (out.gate_closure_s <= out.closing_call_s) {
            fail(join(path, "gate_closure_seconds"),
                 "must be greater than " + join(path, "closing_call_seconds"));
        }
    }

    void read_carriers(const json& list, const std::string& path, engine::market_config& m) const {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = index(path, i);
            const json& c = list[i];
            expect_object(c, p, {"id", "name_en", "name_zh"});
            const std::string cid = id(c, p, "id");
            unique(m.carriers, cid, p, path, [](const std::string& s) { return s; });
            name(c, p, "name_en");
            name(c, p, "name_zh");
            m.carriers.push_back(cid);
        }
    }

    // Fails when `key` is already the id of an earlier item of `items`.
    template <class T, class Id>
    void unique(const std::vector<T>& items, const std::string& key, const std::string& path,
                const std::string& list_path, Id id_of) const {
        for (std::size_t j = 0; j < items.size(); ++j) {
            if (id_of(items[j]) == key) {
                fail(join(path, "id"),
                     "duplicate id " + shown(key) + " (first at " + index(list_path, j) + ")");
            }
        }
    }

    void field_provenance(const json& fields, const std::string& path,
                          std::initializer_list<const char*> allowed) const {
        expect_object(fields, path, allowed);
        for (const auto& [key, value] : fields.items()) {
            const std::string p = join(path, key);
            expect_object(value, p, {"status", "basis"});
            one_of(value, p, "status", {"sourced", "sourced-derived", "estimate"});
            text(value, p, "basis");
        }
    }

    void read_regions(const json& list, const std::string& path, engine::market_config& m) const {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = index(path, i);
            const json& r = list[i];
            expect_object(r, p,
                          {"id", "name_en", "name_zh", "east_west", "pue", "tariff_cny_per_kwh",
                           "carbon_g_per_kwh", "green_share", "provenance"});
            engine::region_spec s;
            s.id = id(r, p, "id");
            unique(m.regions, s.id, p, path, [](const engine::region_spec& x) { return x.id; });
            s.name_en = name(r, p, "name_en");
            s.name_zh = name(r, p, "name_zh");
            s.west = one_of(r, p, "east_west", {"east", "west"}) == "west";
            s.pue_milli = scaled_number(r, p, "pue", 1.0, 3.0, 1000.0);
            const std::string tp = join(p, "tariff_cny_per_kwh");
            const json& tariffs = array(r, p, "tariff_cny_per_kwh", 24, 24);
            for (std::size_t h = 0; h < 24; ++h) {
                s.tariff_mcny_kwh[h] =
                    decimal_at(tariffs[h], index(tp, h), 3, tariff_mcny_kwh_max, "0.484");
            }
            s.carbon_g_kwh = integer(r, p, "carbon_g_per_kwh", 0, 2000);
            s.green_share_milli = scaled_number(r, p, "green_share", 0.0, 1.0, 1000.0);
            const std::string pp = join(p, "provenance");
            const json& prov = member(r, p, "provenance");
            expect_object(prov, pp, {"refdata_id", "source_ids", "fields"});
            refdata_id(prov, pp);
            source_ids(prov, pp, "source_ids");
            field_provenance(member(prov, pp, "fields"), join(pp, "fields"),
                             {"name_en", "name_zh", "east_west", "pue", "tariff_cny_per_kwh",
                              "carbon_g_per_kwh", "green_share"});
            m.regions.push_back(std::move(s));
        }
    }

    void read_clusters(const json& list, const std::string& path,
                       const engine::market_config& m) const {
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = index(path, i);
            const json& c = list[i];
            expect_object(c, p, {"id", "hub", "name_en", "name_zh", "provinces_zh"});
            const std::string cid = id(c, p, "id");
            unique(ids, cid, p, path, [](const std::string& s) { return s; });
            const std::string hub = id(c, p, "hub");
            if (m.region_index(hub) < 0) fail(join(p, "hub"), "unknown region " + shown(hub));
            name(c, p, "name_en");
            name(c, p, "name_zh");
            if (c.contains("provinces_zh")) {
                const json& provinces = array(c, p, "provinces_zh", 0, 16);
                for (std::size_t k = 0; k < provinces.size(); ++k) {
                    string_at(provinces[k], index(join(p, "provinces_zh"), k), 1, name_chars_max);
                }
            }
            ids.push_back(cid);
        }
    }

    void read_chips(const json& list, const std::string& path, engine::market_config& m) const {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string p = index(path, i);
            const json& c = list[i];
            expect_object(c, p,
                          {"id", "name_en", "name_zh", "kind", "dense_tflops", "memory_gb",
                           "power_w", "typical_price", "tick", "unit", "provenance"});
            engine::chip_spec s;
            s.id = id(c, p, "id");
            unique(m.chips, s.id, p, path, [](const engine::chip_spec& x) { return x.id; });
            s.name_en = name(c, p, "name_en");
            s.name_zh = name(c, p, "name_zh");
            const std::string kind = one_of(c, p, "kind", {"gpu", "npu", "cpu"});
            s.kind = kind == "gpu"   ? engine::chip_kind::gpu
                     : kind == "npu" ? engine::chip_kind::npu
                                     : engine::chip_kind::cpu;
            s.dense_gflops = scaled_number(c, p, "dense_tflops", 0.001, 100'000.0, 1000.0);
            s.memory_gb = integer(c, p, "memory_gb", 1, 100'000);
            s.power_w = integer(c, p, "power_w", 1, 100'000);
            const int64_t price =
                decimal_at(member(c, p, "typical_price"), join(p, "typical_price"), 2,
                           engine::limits::price_fen_max, "12.00");
            const int64_t tick = decimal_at(member(c, p, "tick"), join(p, "tick"), 2,
                                            engine::limits::price_fen_max, "0.01");
            if (tick <= 0) fail(join(p, "tick"), "must be greater than 0");
            if (price <= 0 || price % tick != 0) {
                fail(join(p, "typical_price"), "must be a positive multiple of tick");
            }
            s.typical_price = engine::price_fen(price);
            s.tick = engine::price_fen(tick);
            const std::string unit = one_of(c, p, "unit", {"card-hour", "vCPU-hour"});
            if ((kind == "cpu") != (unit == "vCPU-hour")) {
                fail(join(p, "unit"), kind == "cpu"
                                          ? "must be \"vCPU-hour\" for a cpu chip"
                                          : "must be \"card-hour\" for a gpu or npu chip");
            }
            const std::string pp = join(p, "provenance");
            const json& prov = member(c, p, "provenance");
            expect_object(prov, pp,
                          {"refdata_id", "source_ids", "spec", "rent", "rent_range", "notes"});
            refdata_id(prov, pp);
            source_ids(prov, pp, "source_ids");
            text(prov, pp, "spec");
            text(prov, pp, "rent");
            if (prov.contains("rent_range")) {
                const json& range = array(prov, pp, "rent_range", 2, 2);
                for (std::size_t k = 0; k < 2; ++k) {
                    decimal_at(range[k], index(join(pp, "rent_range"), k), 2,
                               engine::limits::price_fen_max, "12.00");
                }
            }
            if (prov.contains("notes")) text(prov, pp, "notes");
            m.chips.push_back(std::move(s));
        }
    }

    void read_network(const json& net, const std::string& path, engine::market_config& m) const {
        expect_object(net, path, {"provenance", "links"});
        if (net.contains("provenance")) {
            const std::string pp = join(path, "provenance");
            const json& prov = net["provenance"];
            expect_object(prov, pp,
                          {"source_ids", "rtt_ms", "transfer_cny_per_gb", "alternatives"});
            source_ids(prov, pp, "source_ids");
            if (prov.contains("rtt_ms")) text(prov, pp, "rtt_ms");
            if (prov.contains("transfer_cny_per_gb")) text(prov, pp, "transfer_cny_per_gb");
            if (prov.contains("alternatives")) {
                const std::string ap = join(pp, "alternatives");
                const json& alts = array(prov, pp, "alternatives", 0, 16);
                for (std::size_t i = 0; i < alts.size(); ++i) {
                    const std::string p = index(ap, i);
                    expect_object(alts[i], p, {"regime", "transfer_cny_per_gb", "source_ids"});
                    text(alts[i], p, "regime");
                    decimal_at(member(alts[i], p, "transfer_cny_per_gb"),
                               join(p, "transfer_cny_per_gb"), 3, tariff_mcny_gb_max, "0.041");
                    if (alts[i].contains("source_ids")) source_ids(alts[i], p, "source_ids");
                }
            }
        }
        const std::string lp = join(path, "links");
        const json& links = array(net, path, "links", 1, 1024);
        const std::size_t n = m.regions.size();
        m.links.assign(n * n, engine::link_spec{});
        std::vector<std::size_t> first(n * n, links.size());  // where each pair was given
        for (std::size_t i = 0; i < links.size(); ++i) {
            const std::string p = index(lp, i);
            const json& l = links[i];
            expect_object(l, p, {"from", "to", "rtt_ms", "transfer_cny_per_gb", "carrier"});
            const std::size_t origin = region_ref(l, p, "from", m);
            const std::size_t dest = region_ref(l, p, "to", m);
            const std::size_t slot = origin * n + dest;
            if (first[slot] != links.size()) {
                fail(p, "duplicate pair " + m.regions[origin].id + " -> " + m.regions[dest].id +
                            " (first at " + index(lp, first[slot]) + ")");
            }
            first[slot] = i;
            engine::link_spec& s = m.links[slot];
            s.rtt_us = scaled_number(l, p, "rtt_ms", 0.0, 10'000.0, 1000.0);
            s.tariff_mcny_gb =
                decimal_at(member(l, p, "transfer_cny_per_gb"), join(p, "transfer_cny_per_gb"), 3,
                           tariff_mcny_gb_max, "0.041");
            if (origin == dest && s.tariff_mcny_gb != 0) {
                fail(join(p, "transfer_cny_per_gb"), "must be 0 when from = to");
            }
            const std::string carrier = id(l, p, "carrier");
            std::size_t c = 0;
            while (c < m.carriers.size() && m.carriers[c] != carrier) ++c;
            if (c == m.carriers.size()) {
                fail(join(p, "carrier"), "unknown carrier " + shown(carrier));
            }
            s.carrier = static_cast<uint16_t>(c);
        }
        for (std::size_t slot = 0; slot < n * n; ++slot) {
            if (first[slot] == links.size()) {
                fail(lp, "missing pair " + m.regions[slot / n].id + " -> " +
                             m.regions[slot % n].id + " (every ordered pair of regions, " +
                             std::to_string(n * n) + " in all, is required)");
            }
        }
    }

    std::size_t region_ref(const json& obj, const std::string& path, const char* key,
                           const engine::market_config& m) const {
        const std::string rid = id(obj, path, key);
        const int r = m.region_index(rid);
        if (r < 0) fail(join(path, key), "unknown region " + shown(rid));
        return static_cast<std::size_t>(r);
    }

    const std::string& file_;
    std::set<std::string> sources_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; keep the rest.
std::string parse_problem(const char* what) {
    std::string s = what;
    if (!s.empty() && s[0] == '[') {
        const std::size_t end = s.find("] ");
        if (end != std::string::npos) s = s.substr(end + 2);
    }
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return s;
}

}  // namespace

engine::market_config parse_market_json(std::string_view text, const std::string& name_for_errors) {
    if (text.size() > market_file_bytes_max) {
        throw std::runtime_error("market file " + name_for_errors + ": larger than " +
                                 std::to_string(market_file_bytes_max) + " bytes");
    }
    json root;
    try {
        strict_parse_callback strict(name_for_errors);
        root = json::parse(text.begin(), text.end(), std::ref(strict));
    } catch (const json::exception& e) {
        throw std::runtime_error("market file " + name_for_errors +
                                 ": invalid JSON: " + parse_problem(e.what()));
    }
    return reader(name_for_errors).read(root);
}

engine::market_config load_market_file(const std::string& path) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                            &std::fclose);
    if (!f) {
        throw std::runtime_error("market file " + path + ": cannot open: " + std::strerror(errno));
    }
    std::string text;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
        text.append(buf, n);
        if (text.size() > market_file_bytes_max) {
            throw std::runtime_error("market file " + path + ": larger than " +
                                     std::to_string(market_file_bytes_max) + " bytes");
        }
    }
    if (std::ferror(f.get())) {
        throw std::runtime_error("market file " + path + ": cannot read: " + std::strerror(errno));
    }
    return parse_market_json(text, path);
}

}  // namespace cux::gateway
