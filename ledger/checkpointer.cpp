#include "ledger/checkpointer.hpp"

#include <utility>

namespace cux::ledger {

result<std::unique_ptr<checkpointer>> checkpointer::open(const std::string& path,
                                                         const std::string& vfs) {
    auto c = detail::connection::open(path, false, false, vfs, 1'000);
    if (!c) return c.error();
    // FULL: a checkpoint syncs the database file before it lets the WAL be reused.
    if (auto s = c.value().exec("PRAGMA synchronous=FULL"); !s) return s.error();
    std::unique_ptr<checkpointer> k(new checkpointer());
    k->db_ = std::move(c.value());
    return k;
}

checkpointer::~checkpointer() { stop(); }

void checkpointer::start() {
    CUX_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { run(); });
}

void checkpointer::request() {
    requests_.fetch_add(1, std::memory_order_release);
    requests_.notify_one();
}

void checkpointer::stop() {
    stopping_.store(true, std::memory_order_release);
    request();
    if (thread_.joinable()) thread_.join();
}

checkpointer_counters checkpointer::counters() const {
    std::lock_guard lock(mu_);
    return counters_;
}

void checkpointer::run() {
    uint32_t seen = 0;
    for (;;) {
        requests_.wait(seen, std::memory_order_acquire);
        seen = requests_.load(std::memory_order_acquire);
        if (stopping_.load(std::memory_order_acquire) || failed()) return;
        const int rc = sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                                 nullptr, nullptr);
        std::lock_guard lock(mu_);
        ++counters_.rounds;
        // SQLITE_BUSY: the writer is checkpointing itself right now; nothing is wrong.
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            ++counters_.failures;
            counters_.last_error = detail::describe(db_.get(), rc, "checkpoint");
            failed_.store(true, std::memory_order_release);
        }
    }
}

}  // namespace cux::ledger
