#include "engine/exchange.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cux::engine {

namespace {

uint64_t row_key(participant_id p, std::size_t chip, std::size_t region) {
    return (uint64_t{p.value()} << 16) | (uint64_t{chip} << 8) | uint64_t{region};
}

bool has_role(const participant_state& p, uint8_t role) { return (p.roles & role) != 0; }

}  // namespace

exchange::exchange(const market_config& market, const exchange_config& config)
    : market_(market),
      config_(config),
      orders_(config.orders_max),
      contracts_(config.contracts_max),
      // Every live level holds a live order, so this many levels can never run out.
      levels_(config.orders_max),
      instruments_(config.instruments_max),
      participants_(config.participants_max + 1),
      last_settlement_(market.chips.size() * market.regions.size(), price_fen(0)) {
    const std::string problem = validate(market_);
    CUX_ASSERT(problem.empty());
    CUX_ASSERT(config.participants_max < limits::participants_max);
    // The whole calendar must fit in the instrument table with room for the instruments that
    // are closed, delivering or settled but not yet delisted (at most one day of hourly slots
    // plus two daily windows beyond the listing horizon).
    const auto per_window = market_.chips.size() * market_.regions.size();
    const auto windows = static_cast<std::size_t>(market_.calendar.hourly_slots +
                                                  market_.calendar.daily_windows + 24 + 2);
    CUX_ASSERT(per_window * windows <= config.instruments_max);
    capacity_rows_.reserve(config.capacity_rows_max);
    capacity_index_.reserve(config.capacity_rows_max * 2);
    dirty_.reserve(config.participants_max + 1);
    due_.reserve(config.instruments_max);
    job_candidates_.resize(per_window);
    job_rank_.resize(per_window);
    job_hours_.resize(per_window * static_cast<std::size_t>(limits::job_hours_max));
    job_active_.resize(job_hours_.size());
    CUX_ASSERT(per_window <= limits::job_candidates_max);
    // Participant 0 is the exchange itself: it drives the clock and creates the first admin.
    participants_[0].exists = true;
    participants_[0].roles = role_admin;
    std::memcpy(participants_[0].name, "exchange", 8);
}

void exchange::apply(const command& c, event_sink& out) {
    CUX_ASSERT(c.seq == last_seq_ + 1);
    CUX_ASSERT(c.ts >= now_);
    last_seq_ = c.seq;
    cur_ = &c;
    out_ = &out;
    dirty_.clear();
    advance_clock(c.ts);
    switch (c.type) {
        case command_type::place_order:
            on_place(c);
            break;
        case command_type::cancel_order:
            on_cancel(c);
            break;
        case command_type::replace_order:
            on_replace(c);
            break;
        case command_type::deposit:
            on_deposit(c);
            break;
        case command_type::withdraw:
            on_withdraw(c);
            break;
        case command_type::register_capacity:
            on_register_capacity(c);
            break;
        case command_type::create_participant:
            on_create_participant(c);
            break;
        case command_type::fail_contract:
            on_fail_contract(c);
            break;
        case command_type::place_job:
            on_job(c);
            break;
        case command_type::tick:
            if (c.actor.value() != 0) reject(reject_reason::forbidden);
            break;
        case command_type::none:
        default:
            reject(reject_reason::invalid_order);
            break;
    }
    // One balance event per participant whose money moved, after the command's other events.
    for (const participant_id p : dirty_) {
        const participant_state& ps = participants_[p.value()];
        event& e = begin_event(event_type::balance_changed, p);
        e.body.balance.participant = p;
        e.body.balance.available = ps.available;
        e.body.balance.held = ps.held;
        e.body.balance.escrow = ps.escrow;
        e.body.balance.delta_available = ps.delta_available;
        send_event();
    }
    begin_event(event_type::command_done, c.actor);
    send_event();
    if (config_.check_every_command) {
        const std::string broken = check_invariants();
        if (!broken.empty()) {
            std::fprintf(stderr, "cux: invariant broken after command %llu: %s\n",
                         static_cast<unsigned long long>(c.seq), broken.c_str());
            CUX_ASSERT(broken.empty());
        }
    }
    cur_ = nullptr;
    out_ = nullptr;
}

event& exchange::begin_event(event_type t, participant_id p) {
    scratch_ = event{};
    scratch_.event_seq = ++event_seq_;
    scratch_.cmd_seq = cur_->seq;
    scratch_.ts = cur_->ts;
    scratch_.token = cur_->token;
    scratch_.participant = p;
    scratch_.type = t;
    scratch_.command = cur_->type;
    return scratch_;
}

void exchange::send_event() { out_->on_event(scratch_); }

void exchange::reject(reject_reason r, order_id ref) {
    event& e = begin_event(event_type::rejected, cur_->actor);
    e.body.rejected.command = cur_->type;
    e.body.rejected.reason = r;
    e.body.rejected.order = ref;
    send_event();
}

void exchange::mark_dirty(participant_id p, money_fen delta_available) {
    participant_state& ps = participants_[p.value()];
    if (ps.dirty_mark != cur_->seq) {
        ps.dirty_mark = cur_->seq;
        ps.delta_available = money_fen(0);
        dirty_.push_back(p);
    }
    ps.delta_available += delta_available;
}

// ---- participants and money ---------------------------------------------------------------

void exchange::on_create_participant(const command& c) {
    if (c.actor.value() >= participants_.size() || !participants_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    if (!has_role(participants_[c.actor.value()], role_admin)) {
        return reject(reject_reason::forbidden);
    }
    const auto& b = c.body.create;
    const uint8_t all = role_admin | role_vendor | role_buyer | role_regulator;
    // A regulator reads everything and trades nothing, so it holds no trading role.
    if (b.roles == 0 || (b.roles & ~all) != 0 ||
        ((b.roles & role_regulator) != 0 && (b.roles & (role_vendor | role_buyer)) != 0)) {
        return reject(reject_reason::invalid_order);
    }
    const std::size_t name_len = strnlen(b.name, sizeof b.name);
    if (name_len == 0) return reject(reject_reason::invalid_order);
    // Names are unique as text (bytes after a NUL do not count), the exchange's own included.
    for (uint32_t i = 0; i < next_participant_; ++i) {
        if (std::strncmp(participants_[i].name, b.name, sizeof b.name) == 0) {
            return reject(reject_reason::duplicate_participant);
        }
    }
    if (next_participant_ >= participants_.size()) {
        return reject(reject_reason::participant_table_full);
    }
    const participant_id id(next_participant_++);
    participant_state& ps = participants_[id.value()];
    ps.exists = true;
    ps.roles = b.roles;
    std::memset(ps.name, 0, sizeof ps.name);
    std::memcpy(ps.name, b.name, name_len);
    event& e = begin_event(event_type::participant_created, id);
    e.body.created.participant = id;
    e.body.created.roles = b.roles;
    std::memcpy(e.body.created.name, ps.name, sizeof e.body.created.name);
    e.body.created.group = b.group;
    send_event();
}

void exchange::on_deposit(const command& c) {
    if (c.actor.value() >= participants_.size() || !participants_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    if (!has_role(participants_[c.actor.value()], role_admin)) {
        return reject(reject_reason::forbidden);
    }
    const auto& b = c.body.money;
    if (b.target.value() == 0 || b.target.value() >= participants_.size() ||
        !participants_[b.target.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    participant_state& ps = participants_[b.target.value()];
    int64_t after = 0;
    if (b.amount.value() <= 0 || b.amount.value() > limits::amount_fen_max ||
        !add_ok(ps.available.value(), b.amount.value(), after) ||
        after > limits::amount_fen_max * 1000) {
        return reject(reject_reason::invalid_amount);
    }
    ps.available = money_fen(after);
    mark_dirty(b.target, b.amount);
}

void exchange::on_withdraw(const command& c) {
    if (c.actor.value() == 0 || c.actor.value() >= participants_.size() ||
        !participants_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    participant_state& ps = participants_[c.actor.value()];
    const money_fen amount = c.body.money.amount;
    if (amount.value() <= 0 || amount.value() > limits::amount_fen_max) {
        return reject(reject_reason::invalid_amount);
    }
    if (ps.available < amount) return reject(reject_reason::insufficient_funds);
    ps.available -= amount;
    mark_dirty(c.actor, money_fen(0) - amount);
}

// ---- capacity ------------------------------------------------------------------------------

capacity_row* exchange::find_row(participant_id p, std::size_t chip, std::size_t region) {
    const auto it = capacity_index_.find(row_key(p, chip, region));
    return it == capacity_index_.end() ? nullptr : &capacity_rows_[it->second];
}

const capacity_row* exchange::find_row(participant_id p, std::size_t chip,
                                       std::size_t region) const {
    const auto it = capacity_index_.find(row_key(p, chip, region));
    return it == capacity_index_.end() ? nullptr : &capacity_rows_[it->second];
}

void exchange::on_register_capacity(const command& c) {
    if (c.actor.value() == 0 || c.actor.value() >= participants_.size() ||
        !participants_[c.actor.value()].exists) {
        return reject(reject_reason::unknown_participant);
    }
    if (!has_role(participants_[c.actor.value()], role_vendor)) {
        return reject(reject_reason::forbidden);
    }
    const auto& b = c.body.capacity;
    if (b.chip >= market_.chips.size()) return reject(reject_reason::unknown_chip);
    if (b.region >= market_.regions.size()) return reject(reject_reason::unknown_region);
    if (b.devices.value() <= 0 || b.devices.value() > limits::qty_per_order_max * 100) {
        return reject(reject_reason::invalid_qty);
    }
    const epoch_hour now_hour = now_ / ns_per_hour;
    // The ring holds capacity_ring_hours per row; registration may reach that far ahead.
    if (b.from_hour >= b.to_hour || b.from_hour < now_hour ||
        b.to_hour - now_hour > limits::capacity_ring_hours) {
        return reject(reject_reason::invalid_capacity);
    }
    capacity_row* row = find_row(c.actor, b.chip, b.region);
    if (row == nullptr) {
        if (capacity_rows_.size() >= config_.capacity_rows_max) {
            return reject(reject_reason::capacity_table_full);
        }
        capacity_index_.emplace(row_key(c.actor, b.chip, b.region),
                                static_cast<uint32_t>(capacity_rows_.size()));
        capacity_rows_.push_back(capacity_row{
            c.actor, b.chip, b.region,
            std::vector<capacity_hour>(static_cast<std::size_t>(limits::capacity_ring_hours))});
        row = &capacity_rows_.back();
    }
    for (epoch_hour h = b.from_hour; h < b.to_hour; ++h) {
        capacity_hour& e =
            row->hours[static_cast<std::size_t>(h & (limits::capacity_ring_hours - 1))];
        if (e.hour != h) e = capacity_hour{h, 0, 0, 0};
        e.registered += b.devices.value();
    }
    event& e = begin_event(event_type::capacity_changed, c.actor);
    e.body.capacity.participant = c.actor;
    e.body.capacity.chip = b.chip;
    e.body.capacity.region = b.region;
    e.body.capacity.from_hour = b.from_hour;
    e.body.capacity.to_hour = b.to_hour;
    e.body.capacity.registered_delta = b.devices;
    send_event();
}

capacity_hour exchange::capacity(participant_id p, std::size_t chip, std::size_t region,
                                 epoch_hour hour) const {
    const capacity_row* row = find_row(p, chip, region);
    if (row == nullptr) return capacity_hour{hour, 0, 0, 0};
    const capacity_hour& e =
        row->hours[static_cast<std::size_t>(hour & (limits::capacity_ring_hours - 1))];
    return e.hour == hour ? e : capacity_hour{hour, 0, 0, 0};
}

bool exchange::reserve_capacity(participant_id p, const instrument_state& in, int64_t qty) {
    capacity_row* row = find_row(p, in.key.chip, in.key.region);
    if (row == nullptr) return false;
    const epoch_hour first = in.key.start_hour;
    for (epoch_hour h = first; h < first + in.hours; ++h) {
        const capacity_hour& e =
            row->hours[static_cast<std::size_t>(h & (limits::capacity_ring_hours - 1))];
        if (e.hour != h || e.registered - e.committed - e.sold < qty) return false;
    }
    for (epoch_hour h = first; h < first + in.hours; ++h) {
        row->hours[static_cast<std::size_t>(h & (limits::capacity_ring_hours - 1))].committed +=
            qty;
    }
    return true;
}

void exchange::release_capacity(participant_id p, const instrument_state& in, int64_t qty,
                                bool sold) {
    capacity_row* row = find_row(p, in.key.chip, in.key.region);
    CUX_ASSERT(row != nullptr);
    const epoch_hour first = in.key.start_hour;
    for (epoch_hour h = first; h < first + in.hours; ++h) {
        capacity_hour& e =
            row->hours[static_cast<std::size_t>(h & (limits::capacity_ring_hours - 1))];
        CUX_ASSERT(e.hour == h && e.committed >= qty);
        e.committed -= qty;
        if (sold) e.sold += qty;
    }
}

// ---- inspection ----------------------------------------------------------------------------

const participant_state* exchange::participant(participant_id p) const {
    if (p.value() >= participants_.size() || !participants_[p.value()].exists) return nullptr;
    return &participants_[p.value()];
}

const instrument_state* exchange::instrument(instrument_id id) const {
    const uint32_t s = instruments_.find(id);
    return s == nil_slot ? nullptr : &instruments_[s];
}

const order* exchange::find_order(order_id id) const {
    const uint32_t s = orders_.find(id);
    return s == nil_slot ? nullptr : &orders_[s];
}

}  // namespace cux::engine
