#pragma once
// A SQLite VFS shim for fault tests: wraps the default VFS and, when armed, fails writes or
// syncs of the WAL file or syncs of the database file (which only checkpoints write, in WAL
// mode) (sticky, like a dead disk), or slows every WAL sync down. Register once
// per process with fault_vfs::install(); open databases with the VFS name fault_vfs::name.
// Header-only: the test binary compiles tests/ledger/*_test.cpp only.
// Thread: the controls are atomics, safe from any thread.
//
// How the shim works (https://www.sqlite.org/vfs.html): its sqlite3_file is our small header
// followed by the wrapped VFS's own file object (szOsFile = ours + theirs); every method
// forwards to the wrapped file, after checking the fault switches for writes and syncs of a
// file opened with SQLITE_OPEN_WAL.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cux::ledger::test::fault_vfs {

inline constexpr const char* name = "cux-fault";

namespace detail {

struct state {
    std::atomic<int64_t> sync_budget{-1};  // -1: never fail; else syncs left before failing
    std::atomic<int64_t> write_budget{-1};
    std::atomic<int64_t> db_sync_budget{-1};
    std::atomic<int64_t> sync_delay_us{0};
    std::atomic<int64_t> faults{0};
    sqlite3_vfs* real = nullptr;
    sqlite3_vfs vfs{};
    sqlite3_io_methods methods{};
};

inline state& st() {
    static state s;
    return s;
}

struct file {
    sqlite3_file base;  // must be first: SQLite sees this
    sqlite3_file* real;
    bool wal;
    bool main_db;
};

inline sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<file*>(f)->real; }

// True when the budget is spent (and spends one otherwise).
inline bool spend(std::atomic<int64_t>& budget) {
    int64_t b = budget.load();
    while (b >= 0) {
        if (b == 0) {
            st().faults.fetch_add(1);
            return true;
        }
        if (budget.compare_exchange_weak(b, b - 1)) return false;
    }
    return false;
}

inline int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
inline int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
    return real(f)->pMethods->xRead(real(f), p, n, off);
}
inline int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    if (reinterpret_cast<file*>(f)->wal && spend(st().write_budget)) return SQLITE_IOERR_WRITE;
    return real(f)->pMethods->xWrite(real(f), p, n, off);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    return real(f)->pMethods->xTruncate(real(f), size);
}
inline int x_sync(sqlite3_file* f, int flags) {
    if (reinterpret_cast<file*>(f)->wal) {
        if (const int64_t us = st().sync_delay_us.load(); us > 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(us));
        }
        if (spend(st().sync_budget)) return SQLITE_IOERR_FSYNC;
    }
    if (reinterpret_cast<file*>(f)->main_db && spend(st().db_sync_budget)) {
        return SQLITE_IOERR_FSYNC;
    }
    return real(f)->pMethods->xSync(real(f), flags);
}
inline int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real(f)->pMethods->xFileSize(real(f), size);
}
inline int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
inline int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
inline int x_check_reserved(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
inline int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}
inline int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
inline int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
inline int x_shm_map(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
    return real(f)->pMethods->xShmMap(real(f), pg, pgsz, extend, pp);
}
inline int x_shm_lock(sqlite3_file* f, int off, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), off, n, flags);
}
inline void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
inline int x_shm_unmap(sqlite3_file* f, int del) {
    return real(f)->pMethods->xShmUnmap(real(f), del);
}
inline int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** pp) {
    return real(f)->pMethods->xFetch(real(f), off, n, pp);
}
inline int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return real(f)->pMethods->xUnfetch(real(f), off, p);
}

inline int x_open(sqlite3_vfs* vfs, sqlite3_filename zname, sqlite3_file* f, int flags,
                  int* out_flags) {
    auto* me = reinterpret_cast<file*>(f);
    me->real = reinterpret_cast<sqlite3_file*>(me + 1);
    me->wal = (flags & SQLITE_OPEN_WAL) != 0;
    me->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    sqlite3_vfs* r = static_cast<sqlite3_vfs*>(vfs->pAppData);
    const int rc = r->xOpen(r, zname, me->real, flags, out_flags);
    // Only when the wrapped open set its methods may SQLite call our xClose.
    f->pMethods = me->real->pMethods != nullptr ? &st().methods : nullptr;
    return rc;
}

// The VFS methods that are not about one file: straight to the wrapped VFS.
inline sqlite3_vfs* rv(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }
inline int x_delete(sqlite3_vfs* v, const char* n, int sync_dir) {
    return rv(v)->xDelete(rv(v), n, sync_dir);
}
inline int x_access(sqlite3_vfs* v, const char* n, int flags, int* out) {
    return rv(v)->xAccess(rv(v), n, flags, out);
}
inline int x_full_pathname(sqlite3_vfs* v, const char* n, int size, char* out) {
    return rv(v)->xFullPathname(rv(v), n, size, out);
}
inline void* x_dl_open(sqlite3_vfs* v, const char* n) { return rv(v)->xDlOpen(rv(v), n); }
inline void x_dl_error(sqlite3_vfs* v, int n, char* out) { rv(v)->xDlError(rv(v), n, out); }
inline void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* s))(void) {
    return rv(v)->xDlSym(rv(v), h, s);
}
inline void x_dl_close(sqlite3_vfs* v, void* h) { rv(v)->xDlClose(rv(v), h); }
inline int x_randomness(sqlite3_vfs* v, int n, char* out) {
    return rv(v)->xRandomness(rv(v), n, out);
}
inline int x_sleep(sqlite3_vfs* v, int us) { return rv(v)->xSleep(rv(v), us); }
inline int x_current_time(sqlite3_vfs* v, double* out) { return rv(v)->xCurrentTime(rv(v), out); }
inline int x_last_error(sqlite3_vfs* v, int n, char* out) {
    return rv(v)->xGetLastError(rv(v), n, out);
}
inline int x_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
    return rv(v)->xCurrentTimeInt64(rv(v), out);
}

}  // namespace detail

inline void install() {
    static std::once_flag once;
    std::call_once(once, [] {
        detail::state& s = detail::st();
        s.real = sqlite3_vfs_find(nullptr);
        sqlite3_io_methods& m = s.methods;
        // Version 3 like the unix VFS it wraps: WAL needs the shared-memory methods.
        m.iVersion = 3;
        m.xClose = detail::x_close;
        m.xRead = detail::x_read;
        m.xWrite = detail::x_write;
        m.xTruncate = detail::x_truncate;
        m.xSync = detail::x_sync;
        m.xFileSize = detail::x_file_size;
        m.xLock = detail::x_lock;
        m.xUnlock = detail::x_unlock;
        m.xCheckReservedLock = detail::x_check_reserved;
        m.xFileControl = detail::x_file_control;
        m.xSectorSize = detail::x_sector_size;
        m.xDeviceCharacteristics = detail::x_device;
        m.xShmMap = detail::x_shm_map;
        m.xShmLock = detail::x_shm_lock;
        m.xShmBarrier = detail::x_shm_barrier;
        m.xShmUnmap = detail::x_shm_unmap;
        m.xFetch = detail::x_fetch;
        m.xUnfetch = detail::x_unfetch;
        sqlite3_vfs& v = s.vfs;
        v.iVersion = 2;
        v.szOsFile = static_cast<int>(sizeof(detail::file)) + s.real->szOsFile;
        v.mxPathname = s.real->mxPathname;
        v.zName = name;
        v.pAppData = s.real;
        v.xOpen = detail::x_open;
        v.xDelete = detail::x_delete;
        v.xAccess = detail::x_access;
        v.xFullPathname = detail::x_full_pathname;
        v.xDlOpen = detail::x_dl_open;
        v.xDlError = detail::x_dl_error;
        v.xDlSym = detail::x_dl_sym;
        v.xDlClose = detail::x_dl_close;
        v.xRandomness = detail::x_randomness;
        v.xSleep = detail::x_sleep;
        v.xCurrentTime = detail::x_current_time;
        v.xGetLastError = detail::x_last_error;
        v.xCurrentTimeInt64 = detail::x_current_time64;
        sqlite3_vfs_register(&v, 0);
    });
}

inline void fail_wal_sync_after(int64_t n) { detail::st().sync_budget.store(n); }
inline void fail_wal_write_after(int64_t n) { detail::st().write_budget.store(n); }
inline void fail_db_sync_after(int64_t n) { detail::st().db_sync_budget.store(n); }
inline void delay_wal_sync_us(int64_t us) { detail::st().sync_delay_us.store(us); }
inline void disarm() {
    detail::st().sync_budget.store(-1);
    detail::st().write_budget.store(-1);
    detail::st().db_sync_budget.store(-1);
    detail::st().sync_delay_us.store(0);
}
inline int64_t faults() { return detail::st().faults.load(); }

// Disarms on scope exit, so a failed assertion cannot leave the next test on a bad disk.
struct disarm_on_exit {
    disarm_on_exit() = default;
    disarm_on_exit(const disarm_on_exit&) = delete;
    disarm_on_exit& operator=(const disarm_on_exit&) = delete;
    ~disarm_on_exit() { disarm(); }
};

}  // namespace cux::ledger::test::fault_vfs
