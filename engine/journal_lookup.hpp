#pragma once
// Reads single commands of a journal directory by seq: the audit store's source of every
// command's full body (ledger/audit_writer.hpp), next to the events the engine published for it.
//
// Records are fixed-size (journal_format::record_bytes) and a segment named N holds commands
// N, N+1, ... back to back after its header, so command S of the segment named N sits at
// header_bytes + (S - N) * record_bytes: one pread, no scan. Each record read is checked (length,
// crc32c, its seq) before it is handed out.
//
// Thread: one at a time. Precondition: the command asked for is durable (the journal's
// wait_durable returned true for it, or it was replayed), so its record is whole on disk.
// Errors: false and one line in `error` when the segment is missing, the record cannot be read
// or does not check out. The directory is listed again when a seq lies past the known segments.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/command.hpp"

namespace cux::engine {

class journal_lookup {
public:
    explicit journal_lookup(std::string dir);  // the journal directory (journal_dir(data_dir))
    ~journal_lookup();
    journal_lookup(const journal_lookup&) = delete;
    journal_lookup& operator=(const journal_lookup&) = delete;

    [[nodiscard]] bool read(uint64_t seq, command& out, std::string& error);

private:
    bool list(std::string& error);
    bool open_for(uint64_t seq, std::string& error);

    std::string dir_;
    std::vector<uint64_t> firsts_;  // segment names (first seqs), ascending
    int fd_ = -1;
    uint64_t fd_first_ = 0;         // first seq of the open segment
    uint64_t fd_end_ = UINT64_MAX;  // first seq of the segment after it (UINT64_MAX: none yet)
};

}  // namespace cux::engine
