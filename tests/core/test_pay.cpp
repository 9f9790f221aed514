#include <catch2/catch.hpp>

#include "core/util/error.hpp"
#include "core/rules/pay.hpp"

using namespace zt;
using namespace std::chrono_literals;

namespace {

// A lesson clicked at 09:00 and ended at 10:00, the teacher in Zoom 09:20–10:00 and the student
// with them all that time: the late-teacher case of issue 22.
PayFacts late_teacher() {
  PayFacts f;
  f.duration_s = 3600;
  f.teacher_present_s = 2400;
  f.together_s = 2400;
  return f;
}

PayPolicy basis(PayBasis b) {
  PayPolicy p;
  p.basis = b;
  return p;
}

}  // namespace

TEST_CASE("the default policy pays end minus start, exactly duration_s", "[core][pay]") {
  auto pay = compute_pay(late_teacher(), PayPolicy{});
  CHECK(pay.paid_s == 3600);
  CHECK(pay.basis == PayBasis::click);
  CHECK(pay.note.empty());
}

TEST_CASE("each basis pays its own figure", "[core][pay]") {
  auto f = late_teacher();
  f.together_s = 1800;  // the student left ten minutes before the end
  CHECK(compute_pay(f, basis(PayBasis::click)).paid_s == 3600);
  CHECK(compute_pay(f, basis(PayBasis::teacher)).paid_s == 2400);
  CHECK(compute_pay(f, basis(PayBasis::together)).paid_s == 1800);
  CHECK(compute_pay(f, basis(PayBasis::together)).basis == PayBasis::together);
}

TEST_CASE("presence never pays more than the lesson lasted", "[core][pay]") {
  PayFacts f;
  f.duration_s = 600;
  f.teacher_present_s = 900;
  f.together_s = 900;
  CHECK(compute_pay(f, basis(PayBasis::teacher)).paid_s == 600);
}

TEST_CASE("a basis that needs presence the lesson lacks pays click and says so", "[core][pay]") {
  PayFacts f;
  f.duration_s = 3000;
  SECTION("no Zoom data at all") {
    for (auto b : {PayBasis::teacher, PayBasis::together}) {
      auto pay = compute_pay(f, basis(b));
      CHECK(pay.paid_s == 3000);
      CHECK(pay.basis == PayBasis::click);
      CHECK(pay.note == "no_presence");
    }
  }
  SECTION("the teacher seen, the student never") {
    f.teacher_present_s = 2000;
    CHECK(compute_pay(f, basis(PayBasis::teacher)).paid_s == 2000);
    CHECK(compute_pay(f, basis(PayBasis::together)).note == "no_presence");
  }
}

TEST_CASE("nothing is paid without a settled end, whatever the policy", "[core][pay]") {
  PayFacts f;  // needs_review, active, expired: no duration
  f.teacher_present_s = 3000;
  PayPolicy p = basis(PayBasis::teacher);
  p.minimum = 30min;
  CHECK_FALSE(compute_pay(f, p).paid_s);
}

TEST_CASE("the cap is a duration or the booked length plus a margin", "[core][pay]") {
  PayFacts f;
  f.duration_s = 4000;
  PayPolicy p;
  SECTION("fixed") {
    p.cap = parse_pay_cap("60m");
    CHECK(compute_pay(f, p).paid_s == 3600);
    CHECK(compute_pay(f, p).note == "cap");
  }
  SECTION("booked length") {
    p.cap = parse_pay_cap("length+5m");
    f.length_s = 3000;
    CHECK(compute_pay(f, p).paid_s == 3300);
    SECTION("a lesson booked without a length is not capped") {
      f.length_s.reset();
      CHECK(compute_pay(f, p).paid_s == 4000);
      CHECK(compute_pay(f, p).note.empty());
    }
  }
  SECTION("under the cap nothing changes") {
    p.cap = parse_pay_cap("2h");
    CHECK(compute_pay(f, p).paid_s == 4000);
  }
}

TEST_CASE("under the grace a lesson pays nothing: an accidental click", "[core][pay]") {
  PayFacts f;
  f.duration_s = 240;
  PayPolicy p;
  p.grace = 5min;
  CHECK(compute_pay(f, p).paid_s == 0);
  CHECK(compute_pay(f, p).note == "grace");
  f.duration_s = 300;  // exactly the grace is paid
  CHECK(compute_pay(f, p).paid_s == 300);
}

TEST_CASE("a held lesson pays at least the minimum", "[core][pay]") {
  PayFacts f;
  f.duration_s = 1200;
  PayPolicy p;
  p.minimum = 30min;
  CHECK(compute_pay(f, p).paid_s == 1800);
  CHECK(compute_pay(f, p).note == "minimum");
  f.duration_s = 2400;
  CHECK(compute_pay(f, p).paid_s == 2400);
  SECTION("a lesson with nothing paid was not held") {
    f.duration_s = 0;
    CHECK(compute_pay(f, p).paid_s == 0);
  }
}

TEST_CASE("the rules apply in order: basis, cap, grace, minimum", "[core][pay]") {
  PayPolicy p = basis(PayBasis::together);
  p.cap = parse_pay_cap("length");
  p.grace = 5min;
  p.minimum = 30min;
  PayFacts f;
  f.duration_s = 3600;
  f.teacher_present_s = 3600;
  f.length_s = 2700;
  SECTION("the grace is judged on the basis figure, not the click") {
    f.together_s = 120;
    CHECK(compute_pay(f, p).paid_s == 0);
  }
  SECTION("the minimum is not given to a lesson under the grace") {
    f.together_s = 200;
    CHECK(compute_pay(f, p).paid_s == 0);
  }
  SECTION("a short lesson past the grace gets the minimum") {
    f.together_s = 600;
    CHECK(compute_pay(f, p).paid_s == 1800);
  }
  SECTION("the cap comes before the minimum") {
    p.cap = parse_pay_cap("20m");
    f.together_s = 3600;
    CHECK(compute_pay(f, p).paid_s == 1800);
    CHECK(compute_pay(f, p).note == "cap,minimum");
  }
  SECTION("the cap then the grace: a cap below the grace pays nothing") {
    p.cap = parse_pay_cap("4m");
    p.minimum.reset();
    f.together_s = 3600;
    CHECK(compute_pay(f, p).paid_s == 0);
    CHECK(compute_pay(f, p).note == "cap,grace");
  }
  SECTION("the fallback to click goes through the same rules") {
    f.together_s.reset();
    auto pay = compute_pay(f, p);
    CHECK(pay.paid_s == 2700);
    CHECK(pay.note == "no_presence,cap");
  }
}

TEST_CASE("a no-show pays the wait the policy prices", "[core][pay]") {
  PayFacts f;
  f.no_show = true;
  f.waited_s = 1800;
  PayPolicy p;
  CHECK(compute_pay(f, p).paid_s == 0);  // a policy without no-shows pays nothing
  p.no_show_after = 15min;
  CHECK(compute_pay(f, p).paid_s == 900);  // no_show_pay defaults to no_show_after
  p.no_show_pay = 20min;
  CHECK(compute_pay(f, p).paid_s == 1200);
  CHECK(compute_pay(f, p).note == "no_show");
}

TEST_CASE("pay settings are parsed strictly and a policy reads back as written", "[core][pay]") {
  CHECK_THROWS_AS(parse_pay_basis("clock"), Error);
  CHECK_THROWS_AS(parse_pay_cap("lengthy"), Error);
  CHECK_THROWS_AS(parse_pay_cap("length+soon"), Error);
  CHECK(to_string(parse_pay_cap("length")) == "length");
  CHECK(to_string(parse_pay_cap("length+300s")) == "length+5m");
  PayPolicy p = basis(PayBasis::together);
  p.cap = parse_pay_cap("length+5m");
  p.grace = 5min;
  p.minimum = 30min;
  p.no_show_after = 15min;
  CHECK(to_string(p) == "basis=together cap=length+5m grace=5m minimum=30m no_show_after=15m");
  CHECK(parse_pay_policy(to_string(p)) == p);
  CHECK(parse_pay_policy(to_string(PayPolicy{})) == PayPolicy{});
  CHECK(to_string(PayPolicy{}) == "basis=click");
}
