#pragma once
// A fast reader for the common shape of an order-path request: one flat JSON object whose values
// are plain strings, non-negative integers, true, false or null (an order, a cancel, an auth).
// It is tried before the strict DOM parser (json_strict.hpp) and declines everything else —
// nested values, escapes, bytes outside printable ASCII, numbers that are negative, fractional,
// with an exponent or past uint64, duplicate keys, malformed text, more than flat_members_max
// members — which then goes the DOM way and gets the DOM way's answer. Whatever it accepts,
// it reads exactly as the DOM would: the decoders are templates over the object type
// (detail::basic_fields) and run the same code on either; tests/gateway/json_flat_test.cpp
// and the fuzz target check the two agree.
//
// flat_object mimics the part of nlohmann::json's object interface the decoders use: members
// iterate in key order (a std::map's), find() gives a pointer-like iterator, erase() a key.
// Any thread; an object is used by one thread at a time. No allocation for keys and values of
// up to 15 bytes (std::string's small buffer).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace cux::gateway {

inline constexpr std::size_t flat_members_max = 16;

class flat_value {
public:
    enum class kind : uint8_t { null, boolean, unsigned_integer, string };

    [[nodiscard]] bool is_null() const { return k_ == kind::null; }
    [[nodiscard]] bool is_boolean() const { return k_ == kind::boolean; }
    [[nodiscard]] bool is_string() const { return k_ == kind::string; }
    [[nodiscard]] bool is_number() const { return k_ == kind::unsigned_integer; }
    [[nodiscard]] bool is_number_integer() const { return k_ == kind::unsigned_integer; }
    [[nodiscard]] bool is_number_unsigned() const { return k_ == kind::unsigned_integer; }
    [[nodiscard]] bool is_number_float() const { return false; }
    [[nodiscard]] bool is_array() const { return false; }
    [[nodiscard]] bool is_object() const { return false; }
    [[nodiscard]] bool empty() const { return true; }  // as a container: never one here
    [[nodiscard]] std::size_t size() const { return 0; }
    // No elements: arrays are declined by the reader.
    [[nodiscard]] const flat_value* begin() const { return this; }
    [[nodiscard]] const flat_value* end() const { return this; }

    template <class T>
    [[nodiscard]] T get() const {
        if constexpr (std::is_same_v<T, bool>) {
            return number_ != 0;
        } else if constexpr (std::is_same_v<T, std::string>) {
            return text_;
        } else if constexpr (std::is_same_v<T, double>) {
            return static_cast<double>(number_);
        } else {
            static_assert(std::is_integral_v<T>);
            return static_cast<T>(number_);  // nlohmann's cast: an unsigned read as signed wraps
        }
    }
    template <class T>
    [[nodiscard]] const std::string& get_ref() const {
        static_assert(std::is_same_v<T, const std::string&>);
        return text_;
    }
    // The value as JSON text: what nlohmann's dump() writes for it.
    [[nodiscard]] std::string dump() const;

private:
    friend class flat_object;
    kind k_ = kind::null;
    uint64_t number_ = 0;  // the integer, or 1/0 for true/false
    std::string text_;     // the string's bytes (nothing to unescape: escapes are declined)
};

struct flat_member {
    std::string key;
    flat_value value;
};

class flat_object {
public:
    using iterator = const flat_value*;

    // True when `text` is a flat object this reader takes (then *this holds it); false: use
    // the DOM parser, which will accept it or say what is wrong with it.
    bool read(std::string_view text);

    [[nodiscard]] bool is_object() const { return true; }
    [[nodiscard]] iterator find(std::string_view key) const;
    [[nodiscard]] iterator end() const { return nullptr; }
    [[nodiscard]] bool contains(std::string_view key) const { return find(key) != nullptr; }
    void erase(std::string_view key);

    // The members in key order, for `for (const auto& [k, v] : obj.items())`.
    class member_iterator {
    public:
        explicit member_iterator(const flat_member* const* p) : p_(p) {}
        const flat_member& operator*() const { return **p_; }
        member_iterator& operator++() {
            ++p_;
            return *this;
        }
        friend bool operator==(member_iterator, member_iterator) = default;

    private:
        const flat_member* const* p_;
    };
    struct member_range {
        member_iterator first;
        member_iterator last;
        [[nodiscard]] member_iterator begin() const { return first; }
        [[nodiscard]] member_iterator end() const { return last; }
    };
    [[nodiscard]] member_range items() const {
        return {member_iterator(sorted_.data()), member_iterator(sorted_.data() + n_)};
    }

private:
    std::array<flat_member, flat_members_max> members_;          // as sent
    std::array<const flat_member*, flat_members_max> sorted_{};  // by key
    std::size_t n_ = 0;
};

}  // namespace cux::gateway
