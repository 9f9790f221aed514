#include "core/rules/pay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "core/util/error.hpp"

namespace zt {
namespace {

void add_note(std::string& note, const char* rule) {
  if (!note.empty()) note += ",";
  note += rule;
}

// The basis figure, or click's when the basis needs Zoom data the lesson lacks.
int64_t basis_seconds(const PayFacts& f, const PayPolicy& p, Pay& pay) {
  auto presence = p.basis == PayBasis::teacher ? f.teacher_present_s
                  : p.basis == PayBasis::together ? f.together_s
                                                  : f.duration_s;
  if (presence) {
    pay.basis = p.basis;
    // Presence is measured within start..end: it never pays more than the lesson lasted.
    return std::min(*presence, *f.duration_s);
  }
  pay.basis = PayBasis::click;
  add_note(pay.note, "no_presence");
  return *f.duration_s;
}

std::optional<int64_t> cap_seconds(const PayCap& cap, const std::optional<int64_t>& length_s) {
  if (!cap.over_length) return cap.amount.count();
  if (!length_s) return std::nullopt;
  return *length_s + cap.amount.count();
}

std::optional<Seconds> optional_duration(const std::string& text) {
  if (text.empty() || text == "off" || text == "none") return std::nullopt;
  return parse_duration(text);
}

}  // namespace

const char* to_string(PayBasis basis) {
  switch (basis) {
    case PayBasis::click: return "click";
    case PayBasis::teacher: return "teacher";
    case PayBasis::together: return "together";
  }
  return "click";
}

PayBasis parse_pay_basis(const std::string& text) {
  if (text == "click") return PayBasis::click;
  if (text == "teacher") return PayBasis::teacher;
  if (text == "together") return PayBasis::together;
  throw Error(ErrorCode::invalid_argument, fmt::format("pay basis '{}' is not click, teacher or together", text),
              "click pays end − start; teacher, the teacher's time in Zoom; together, the time both were in Zoom");
}

PayCap parse_pay_cap(const std::string& text) {
  PayCap cap;
  if (text == "length") {
    cap.over_length = true;
    return cap;
  }
  if (text.starts_with("length+")) {
    cap.over_length = true;
    cap.amount = parse_duration(text.substr(7));
    return cap;
  }
  try {
    cap.amount = parse_duration(text);
  } catch (const Error&) {
    throw Error(ErrorCode::invalid_argument, fmt::format("pay cap '{}' is not a duration or length+DURATION", text),
                "use a duration like 60m, or length, or length+5m (the booked length plus a margin)");
  }
  return cap;
}

std::string to_string(const PayCap& cap) {
  if (!cap.over_length) return format_duration(cap.amount);
  return cap.amount.count() == 0 ? "length" : "length+" + format_duration(cap.amount);
}

std::string to_string(const PayPolicy& p) {
  std::string text = fmt::format("basis={}", to_string(p.basis));
  if (p.cap) text += " cap=" + to_string(*p.cap);
  auto add = [&](const char* name, const std::optional<Seconds>& d) {
    if (d) text += fmt::format(" {}={}", name, format_duration(*d));
  };
  add("grace", p.grace);
  add("minimum", p.minimum);
  add("no_show_after", p.no_show_after);
  add("no_show_pay", p.no_show_pay);
  return text;
}

PayPolicy parse_pay_policy(const std::string& text) {
  PayPolicy p;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos) throw Error(ErrorCode::invalid_argument, fmt::format("bad pay policy '{}'", text));
    auto name = word.substr(0, eq), value = word.substr(eq + 1);
    if (name == "basis") p.basis = parse_pay_basis(value);
    else if (name == "cap") p.cap = parse_pay_cap(value);
    else if (name == "grace") p.grace = optional_duration(value);
    else if (name == "minimum") p.minimum = optional_duration(value);
    else if (name == "no_show_after") p.no_show_after = optional_duration(value);
    else if (name == "no_show_pay") p.no_show_pay = optional_duration(value);
    else throw Error(ErrorCode::invalid_argument, fmt::format("bad pay policy '{}'", text));
  }
  return p;
}

Pay compute_pay(const PayFacts& f, const PayPolicy& p) {
  Pay pay;
  pay.basis = p.basis;
  if (f.no_show) {
    // A no-show pays the teacher's wait as the policy prices it; a policy without no-shows pays nothing.
    auto wait = p.no_show_pay ? p.no_show_pay : p.no_show_after;
    pay.paid_s = wait ? wait->count() : 0;
    pay.basis_s = f.waited_s.value_or(0);
    pay.note = "no_show";
    return pay;
  }
  if (!f.duration_s) return pay;
  int64_t paid = basis_seconds(f, p, pay);
  pay.basis_s = paid;
  if (p.cap) {
    auto cap = cap_seconds(*p.cap, f.length_s);
    if (cap && paid > *cap) {
      paid = *cap;
      add_note(pay.note, "cap");
    }
  }
  if (p.grace && paid < p.grace->count()) {
    if (paid > 0) add_note(pay.note, "grace");
    pay.paid_s = 0;
    return pay;
  }
  // A lesson with nothing paid after the basis was not held: the minimum is not for it.
  if (p.minimum && paid > 0 && paid < p.minimum->count()) {
    paid = p.minimum->count();
    add_note(pay.note, "minimum");
  }
  pay.paid_s = paid;
  return pay;
}

namespace {
std::optional<Seconds> optional_duration_setting(const std::string& text) {
  if (text.empty() || text == "off" || text == "none") return std::nullopt;
  return parse_duration(text);
}
}  // namespace

PayPolicy pay_policy(const Config& config) {
  PayPolicy p;
  p.basis = config.parsed("pay_basis", parse_pay_basis);
  p.cap = config.parsed("pay_cap", [](const std::string& text) -> std::optional<PayCap> {
    if (text.empty() || text == "off" || text == "none") return std::nullopt;
    return parse_pay_cap(text);
  });
  p.grace = config.parsed("pay_grace", optional_duration_setting);
  p.minimum = config.parsed("pay_minimum", optional_duration_setting);
  p.no_show_after = config.parsed("no_show_after", optional_duration_setting);
  p.no_show_pay = config.parsed("no_show_pay", optional_duration_setting);
  return p;
}

}  // namespace zt
