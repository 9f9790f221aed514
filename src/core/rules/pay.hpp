#pragma once
// What a lesson pays: one pure function from the lesson's facts (its duration and its Zoom
// presence) and the school's policy. Reports, pay periods, adjustments and `sessions show` all ask
// it, so that two places can never disagree about a lesson's pay.
#include <cstdint>
#include <optional>
#include <string>

#include "core/util/config.hpp"
#include "core/util/time.hpp"

namespace zt {

// click: end − start (the seed's formula, the default); teacher: the teacher's presence in Zoom
// within start..end; together: the time teacher and student were both in the meeting then.
enum class PayBasis { click, teacher, together };
const char* to_string(PayBasis basis);
PayBasis parse_pay_basis(const std::string& text);  // Error(invalid_argument) for another word

// A fixed cap ("50m"), or the booked length plus a margin ("length", "length+5m"). A cap over the
// booked length caps nothing for a lesson booked without one.
struct PayCap {
  bool over_length = false;
  Seconds amount{0};  // the fixed cap, or the margin over the booked length
  bool operator==(const PayCap&) const = default;
};
PayCap parse_pay_cap(const std::string& text);
std::string to_string(const PayCap& cap);

// The school's pay policy. Every rule is off by default: the default pays end − start, exactly
// what zoomtrack paid before policies existed.
struct PayPolicy {
  PayBasis basis = PayBasis::click;
  std::optional<PayCap> cap;
  std::optional<Seconds> grace;    // less than this is paid 0: an accidental click
  std::optional<Seconds> minimum;  // a lesson held (not under grace) pays at least this
  std::optional<Seconds> no_show_after;  // a teacher who waited this long for a student who never came ...
  std::optional<Seconds> no_show_pay;    // ... is paid this (default: no_show_after)
  bool operator==(const PayPolicy&) const = default;
};

// "basis=together cap=length+5m grace=5m minimum=30m no_show_after=15m no_show_pay=15m": what a
// closed period freezes; rules that are off are left out. parse_pay_policy reads it back.
std::string to_string(const PayPolicy& policy);
PayPolicy parse_pay_policy(const std::string& text);

// What the pay function needs to know about one lesson.
struct PayFacts {
  std::optional<int64_t> duration_s;  // end − start of a lesson with a settled end; none: nothing to pay
  std::optional<int64_t> teacher_present_s;  // none: no Zoom data about the teacher
  std::optional<int64_t> together_s;         // none: the student was never seen in Zoom
  std::optional<int64_t> length_s;           // booked length
  bool no_show = false;  // reconcile found the teacher waiting for a student who never came
  std::optional<int64_t> waited_s;  // the teacher's presence in a no-show's window
};

struct Pay {
  std::optional<int64_t> paid_s;  // none: not payable (no settled end, needs review)
  PayBasis basis = PayBasis::click;  // the basis actually used
  // Which rules changed the figure, comma-separated, for scripts: no_presence (the basis lacked
  // Zoom data, click was paid), cap, grace, minimum, no_show. Empty when the basis figure is paid.
  std::string note;
  int64_t basis_s = 0;  // the basis figure before cap, grace and minimum
};

// The order is fixed: the basis, then the cap, then the grace (judged on the capped figure),
// then the minimum (which a lesson under the grace never gets).
Pay compute_pay(const PayFacts& facts, const PayPolicy& policy);

// The pay policy the settings describe (pay_basis, pay_cap, pay_grace, pay_minimum,
// no_show_after, no_show_pay); "", "off" and "none" leave a rule off. Errors name their origin.
PayPolicy pay_policy(const Config& config);

}  // namespace zt
