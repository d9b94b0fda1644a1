#pragma once
// JSON written straight into a string, for the replies on the order path (the stream's and
// REST's answer to every order and cancel), where building a nlohmann DOM and dumping it cost
// more than the engine's whole work on the order.
//
// A view that both paths need is written once, as a function template over a "field sink":
// `json_text_fields` appends `"key":value` to text; `json_dom_fields` sets members of a
// nlohmann object (for the lists and stream snapshots that are still built as a DOM). A view
// gives its keys in ascending byte order, which is the order nlohmann's object (a std::map)
// dumps them in, so the two sinks produce the same bytes (tests/gateway/json_text_test.cpp).
// Strings are escaped as nlohmann's dump escapes them (", \, control characters); other bytes
// are copied as they are: the views only hand over ASCII (ids, symbols, decimals, times,
// client_order_ids of A-Z a-z 0-9 - _ . :).
// Any thread; a writer is used by one thread at a time.

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace cux::gateway {

// Appends JSON values to `out`; commas between members and elements are placed from the text
// written so far (after '{', '[' or ':' none is needed).
class json_text {
public:
    explicit json_text(std::string& out) : out_(out) {}

    void open_object() {
        separate();
        out_.push_back('{');
    }
    void close_object() { out_.push_back('}'); }
    void open_array() {
        separate();
        out_.push_back('[');
    }
    void close_array() { out_.push_back(']'); }
    void key(std::string_view k) {
        string(k);
        out_.push_back(':');
    }
    void string(std::string_view s);
    void number(int64_t v);
    void number(uint64_t v);
    void boolean(bool v) {
        separate();
        out_.append(v ? "true" : "false");
    }
    void null() {
        separate();
        out_.append("null");
    }

private:
    void separate() {
        if (out_.empty()) return;
        const char last = out_.back();
        if (last != '{' && last != '[' && last != ':') out_.push_back(',');
    }
    std::string& out_;
};

// A field sink writing members into the object `t` has open. Keys must come in ascending order
// (checked), so that the text is what the DOM would dump.
class json_text_fields {
public:
    explicit json_text_fields(json_text& t) : t_(t) {}

    void field(const char* k, std::string_view v) {
        key(k);
        t_.string(v);
    }
    void field(const char* k, const char* v) {
        key(k);
        t_.string(v);
    }
    void field(const char* k, const std::string& v) {
        key(k);
        t_.string(v);
    }
    void field(const char* k, int64_t v) {
        key(k);
        t_.number(v);
    }
    void field(const char* k, uint64_t v) {
        key(k);
        t_.number(v);
    }
    void field(const char* k, bool v) {
        key(k);
        t_.boolean(v);
    }
    void field(const char* k, std::nullptr_t) {
        key(k);
        t_.null();
    }
    void field(const char* k, const std::optional<std::string>& v) {
        if (v) return field(k, *v);
        field(k, nullptr);
    }
    // An array of objects: `each(sink)` is called once per element with a sink for its members.
    template <class Each>
    void array(const char* k, std::size_t n, Each&& each) {
        key(k);
        t_.open_array();
        for (std::size_t i = 0; i < n; ++i) {
            t_.open_object();
            json_text_fields inner(t_);
            each(inner, i);
            t_.close_object();
        }
        t_.close_array();
    }

private:
    void key(const char* k) {
        CUX_ASSERT(last_ == nullptr || std::strcmp(last_, k) < 0);
        last_ = k;
        t_.key(k);
    }
    json_text& t_;
    const char* last_ = nullptr;
};

// The same fields as members of a nlohmann object.
class json_dom_fields {
public:
    explicit json_dom_fields(nlohmann::json& j) : j_(j) {}

    template <class V>
    void field(const char* k, const V& v) {
        j_[k] = v;
    }
    void field(const char* k, const std::optional<std::string>& v) {
        j_[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    }
    template <class Each>
    void array(const char* k, std::size_t n, Each&& each) {
        nlohmann::json a = nlohmann::json::array();
        for (std::size_t i = 0; i < n; ++i) {
            nlohmann::json e = nlohmann::json::object();
            json_dom_fields inner(e);
            each(inner, i);
            a.push_back(std::move(e));
        }
        j_[k] = std::move(a);
    }

private:
    nlohmann::json& j_;
};

}  // namespace cux::gateway
