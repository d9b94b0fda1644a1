#include "gateway/json_flat.hpp"

#include <algorithm>
#include <utility>

namespace cux::gateway {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class reader {
public:
    explicit reader(std::string_view t) : t_(t) {}

    void skip_space() {
        while (i_ < t_.size() && is_space(t_[i_])) ++i_;
    }
    bool take(char c) {
        if (i_ < t_.size() && t_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    [[nodiscard]] bool at_end() const { return i_ == t_.size(); }
    [[nodiscard]] char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }

    // A string of printable ASCII without escapes.
    bool string(std::string& out) {
        if (!take('"')) return false;
        const std::size_t start = i_;
        while (i_ < t_.size()) {
            const auto c = static_cast<unsigned char>(t_[i_]);
            if (c == '"') {
                out.assign(t_.data() + start, i_ - start);
                ++i_;
                return true;
            }
            if (c < 0x20 || c >= 0x7f || c == '\\') return false;
            ++i_;
        }
        return false;
    }

    // 0 or [1-9][0-9]*, within uint64, not followed by a fraction or an exponent.
    bool unsigned_integer(uint64_t& out) {
        const std::size_t start = i_;
        uint64_t v = 0;
        while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') {
            const auto d = static_cast<uint64_t>(t_[i_] - '0');
            if (v > (UINT64_MAX - d) / 10) return false;
            v = v * 10 + d;
            ++i_;
        }
        const std::size_t n = i_ - start;
        if (n == 0 || (n > 1 && t_[start] == '0')) return false;
        const char next = peek();
        if (next == '.' || next == 'e' || next == 'E') return false;
        out = v;
        return true;
    }

    bool word(std::string_view w) {
        if (t_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }

private:
    std::string_view t_;
    std::size_t i_ = 0;
};

}  // namespace

std::string flat_value::dump() const {
    switch (k_) {
        case kind::null:
            return "null";
        case kind::boolean:
            return number_ != 0 ? "true" : "false";
        case kind::unsigned_integer:
            return std::to_string(number_);
        case kind::string:
            return '"' + text_ + '"';
    }
    return "null";
}

bool flat_object::read(std::string_view text) {
    n_ = 0;
    reader r(text);
    r.skip_space();
    if (!r.take('{')) return false;
    r.skip_space();
    if (!r.take('}')) {
        for (;;) {
            if (n_ == members_.size()) return false;
            flat_member& m = members_[n_];
            if (!r.string(m.key)) return false;
            r.skip_space();
            if (!r.take(':')) return false;
            r.skip_space();
            flat_value& v = m.value;
            v.number_ = 0;
            v.text_.clear();
            const char c = r.peek();
            if (c == '"') {
                v.k_ = flat_value::kind::string;
                if (!r.string(v.text_)) return false;
            } else if (c >= '0' && c <= '9') {
                v.k_ = flat_value::kind::unsigned_integer;
                if (!r.unsigned_integer(v.number_)) return false;
            } else if (r.word("true")) {
                v.k_ = flat_value::kind::boolean;
                v.number_ = 1;
            } else if (r.word("false")) {
                v.k_ = flat_value::kind::boolean;
            } else if (r.word("null")) {
                v.k_ = flat_value::kind::null;
            } else {
                return false;  // a nested value, a negative number, or not JSON
            }
            ++n_;
            r.skip_space();
            if (r.take('}')) break;
            if (!r.take(',')) return false;
            r.skip_space();
        }
    }
    r.skip_space();
    if (!r.at_end()) return false;
    // Key order, as a std::map iterates (pointers sorted: the members stay where they are);
    // a key twice is the DOM parser's to refuse.
    for (std::size_t i = 0; i < n_; ++i) {
        const flat_member* m = &members_[i];
        std::size_t j = i;
        for (; j > 0 && m->key < sorted_[j - 1]->key; --j) sorted_[j] = sorted_[j - 1];
        sorted_[j] = m;
    }
    for (std::size_t i = 1; i < n_; ++i) {
        if (sorted_[i - 1]->key == sorted_[i]->key) return false;
    }
    return true;
}

flat_object::iterator flat_object::find(std::string_view key) const {
    for (std::size_t i = 0; i < n_; ++i) {
        if (sorted_[i]->key == key) return &sorted_[i]->value;
    }
    return nullptr;
}

void flat_object::erase(std::string_view key) {
    // Only the sorted view forgets it; the member stays in place, unused.
    for (std::size_t i = 0; i < n_; ++i) {
        if (sorted_[i]->key != key) continue;
        std::move(sorted_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  sorted_.begin() + static_cast<std::ptrdiff_t>(n_),
                  sorted_.begin() + static_cast<std::ptrdiff_t>(i));
        --n_;
        return;
    }
}

}  // namespace cux::gateway
