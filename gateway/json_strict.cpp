#include "gateway/json_strict.hpp"

#include <string>
#include <vector>

#include "gateway/limits.hpp"

namespace cux::gateway {

namespace {

using json = nlohmann::json;

// A SAX handler that builds the DOM itself, so that it can refuse duplicate keys and deep
// nesting while parsing (the stock DOM parser silently keeps the last duplicate).
class strict_builder {
public:
    explicit strict_builder(api_error& err) : err_(err) {}

    bool null() { return put(json(nullptr)); }
    bool boolean(bool v) { return put(json(v)); }
    bool number_integer(json::number_integer_t v) { return put(json(v)); }
    bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
    bool number_float(json::number_float_t v, const json::string_t&) { return put(json(v)); }
    bool string(json::string_t& v) { return put(json(std::move(v))); }
    bool binary(json::binary_t&) { return fail("binary values are not JSON"); }

    bool start_object(std::size_t) { return open(json::object()); }
    bool key(json::string_t& k) {
        json& obj = *stack_.back();
        if (obj.contains(k)) return fail("duplicate key \"" + k + "\"", k);
        key_ = std::move(k);
        return true;
    }
    bool end_object() {
        stack_.pop_back();
        return true;
    }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_array() {
        stack_.pop_back();
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const json::exception&) {
        return fail("malformed JSON at byte " + std::to_string(position));
    }

    json& root() { return root_; }
    [[nodiscard]] bool failed() const { return failed_; }

private:
    bool fail(std::string message, std::string field = {}) {
        if (!failed_) {
            failed_ = true;
            err_ = make_error(400, "BAD_REQUEST", std::move(message), std::move(field));
        }
        return false;
    }

    // Places a value where the parser is: the root, the next array element or the current key.
    json* place(json&& v) {
        if (stack_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        json& parent = *stack_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(v));
            return &parent.back();
        }
        json& slot = parent[key_];
        slot = std::move(v);
        return &slot;
    }
    bool put(json&& v) {
        place(std::move(v));
        return true;
    }
    bool open(json&& container) {
        if (stack_.size() >= limits::json_depth_max) {
            return fail("JSON nested deeper than " + std::to_string(limits::json_depth_max));
        }
        stack_.push_back(place(std::move(container)));
        return true;
    }

    api_error& err_;
    json root_;
    std::vector<json*> stack_;
    std::string key_;
    bool failed_ = false;
};

}  // namespace

bool parse_json_object(std::string_view text, nlohmann::json& out, api_error& err) {
    strict_builder b(err);
    const bool ok = json::sax_parse(text.begin(), text.end(), &b, json::input_format_t::json,
                                    /*strict=*/true);
    if (!ok || b.failed()) {
        if (!b.failed()) err = make_error(400, "BAD_REQUEST", "malformed JSON");
        return false;
    }
    if (!b.root().is_object()) {
        err = make_error(400, "BAD_REQUEST", "the body must be a JSON object");
        return false;
    }
    out = std::move(b.root());
    return true;
}

}  // namespace cux::gateway
