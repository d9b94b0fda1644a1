#include "gateway/json_text.hpp"

#include <charconv>

namespace cux::gateway {

void json_text::string(std::string_view s) {
    separate();
    out_.push_back('"');
    std::size_t plain = 0;  // start of the run of bytes copied as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out_.append(s.data() + plain, i - plain);
        plain = i + 1;
        out_.push_back('\\');
        switch (c) {
            case '"':
                out_.push_back('"');
                break;
            case '\\':
                out_.push_back('\\');
                break;
            case '\b':
                out_.push_back('b');
                break;
            case '\f':
                out_.push_back('f');
                break;
            case '\n':
                out_.push_back('n');
                break;
            case '\r':
                out_.push_back('r');
                break;
            case '\t':
                out_.push_back('t');
                break;
            default: {
                static constexpr char hex[] = "0123456789abcdef";
                out_.append("u00");
                out_.push_back(hex[c >> 4]);
                out_.push_back(hex[c & 0xf]);
            }
        }
    }
    out_.append(s.data() + plain, s.size() - plain);
    out_.push_back('"');
}

void json_text::number(int64_t v) {
    separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void json_text::number(uint64_t v) {
    separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

}  // namespace cux::gateway
