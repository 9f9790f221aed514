#include "core/services/pay_periods.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <nlohmann/json.hpp>

#include "core/services/audit_replay.hpp"
#include "core/services/report.hpp"
#include "core/util/crypto.hpp"
#include "core/util/error.hpp"
#include "core/util/time_zone.hpp"

namespace zt {
namespace {

using namespace std::chrono;

std::string format_date(sys_days day) {
  year_month_day ymd{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::optional<year_month_day> parse_ymd(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t at, size_t n, auto& out) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, out);
    return ec == std::errc{} && end == text.data() + at + n;
  };
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

// What one period's --by lesson rows hash to, and its totals, read from the rows themselves.
// `wanted` is the column list a period was closed with: rows are hashed in those columns only,
// so that a column added to reports later does not change an old period's digest.
class DigestSink : public RowSink {
 public:
  explicit DigestSink(std::vector<std::string> wanted = {}) : wanted_(std::move(wanted)) {}

  void columns(const std::vector<std::string>& names, const std::vector<bool>&) override {
    if (wanted_.empty()) wanted_ = names;
    for (const auto& w : wanted_) {
      auto it = std::find(names.begin(), names.end(), w);
      if (it == names.end()) {
        throw Error(ErrorCode::runtime, fmt::format("report column {} is not reported by this zoomtrack", w));
      }
      picked_.push_back(static_cast<size_t>(it - names.begin()));
    }
    auto index = [&](const char* name) {
      return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    };
    kind_ = index("kind");
    status_ = index("status");
    seconds_ = index("duration_s");
    minutes_ = index("minutes");
    add_line(wanted_);
  }

  void row(const std::vector<std::string>& cells) override {
    std::vector<std::string> picked;
    for (auto i : picked_) picked.push_back(cells[i]);
    add_line(picked);
    if (cells[kind_] == "adjustment") ++period.adjustments;
    else ++period.lessons;
    if (cells[status_] == "needs_review" && cells[kind_] != "adjustment") ++period.needs_review;
    period.duration_s += number(cells[seconds_]);
    period.minutes += number(cells[minutes_]);
  }

  std::string digest() const { return sha256_hex(text_); }
  std::string column_list() const {
    std::string out;
    for (const auto& c : wanted_) out += (out.empty() ? "" : ",") + c;
    return out;
  }

  PayPeriod period;  // the totals

 private:
  static int64_t number(const std::string& cell) {
    int64_t n = 0;
    std::from_chars(cell.data(), cell.data() + cell.size(), n);
    return n;
  }
  // Each cell length-prefixed: no value can pass for another's boundary.
  void add_line(const std::vector<std::string>& cells) {
    for (const auto& cell : cells) text_ += fmt::format("{}:{}", cell.size(), cell);
    text_ += '\n';
  }

  std::vector<std::string> wanted_;
  std::vector<size_t> picked_;
  size_t kind_ = 0, status_ = 0, seconds_ = 0, minutes_ = 0;
  std::string text_;
};

DigestSink digest_of(Store& store, const PayPeriod& p, std::vector<std::string> columns = {}) {
  ReportRequest request;
  request.from = p.from;
  request.to = p.to;
  request.by = ReportGrouping::lesson;
  request.tz = p.tz;
  request.rounding = MinuteRounding::round;
  DigestSink sink(std::move(columns));
  write_report(store, request, sink);
  return sink;
}

std::vector<std::string> split_columns(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string name_of(const PayPeriod& p) {
  return fmt::format("period {} ({}, {} to {})", p.id, p.label, format_utc(p.from), format_utc(p.to));
}

// "12 (active), 15 (needs_review)", at most `limit` of them.
template <class T, class F>
std::string listing(const std::vector<T>& items, F describe, size_t limit = 20) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + describe(items[i]);
  if (items.size() > limit) out += fmt::format(" and {} more", items.size() - limit);
  return out;
}

}  // namespace

PeriodRange month_range(const std::string& month, const std::string& tz) {
  auto first = parse_ymd(month + "-01");
  if (month.size() != 7 || !first) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--month '{}' is not a month", month),
                "give it as YYYY-MM, like 2026-11");
  }
  auto next = year_month_day{first->year() / first->month() / 1} + months{1};
  return {start_of_local_day(format_date(sys_days{*first}), tz), start_of_local_day(format_date(sys_days{next}), tz),
          month};
}

PeriodRange explicit_range(const std::string& from, const std::string& to, const std::string& tz) {
  PeriodRange r;
  r.from = parse_time_arg(from, tz);
  if (auto day = parse_ymd(to)) {
    r.to = start_of_local_day(format_date(sys_days{*day} + days{1}), tz);
  } else {
    r.to = parse_time_arg(to, tz);
  }
  if (r.from >= r.to) throw Error(ErrorCode::invalid_argument, "--from must be before --to");
  r.label = fmt::format("{}..{}", from, to);
  return r;
}

PayPeriod PayPeriods::close(const CloseRequest& request) {
  check_time_zone(request.tz);
  auto now = clock_.now();
  const auto& range = request.range;
  PayPeriod period;
  store_.write([&] {
    auto overlapping = store_.closed_periods_overlapping(range.from, range.to);
    if (!overlapping.empty()) {
      throw Error(ErrorCode::conflict,
                  fmt::format("{} overlaps closed {}", range.label, listing(overlapping, name_of)),
                  "a closed period is changed only by 'zoomtrack period reopen ID --reason TEXT'");
    }
    if (range.to > now && !request.force) {
      throw Error(ErrorCode::conflict,
                  fmt::format("{} has not ended yet (it ends {}): lessons can still start in it", range.label,
                              format_utc(range.to)),
                  "close it once it is over, or add --force (later lessons in it are paid by adjustments)");
    }
    auto lessons = store_.unlocked_lessons_started_between(range.from, range.to);
    std::vector<Lesson> unsettled;
    for (const auto& l : lessons) {
      if (l.status == LessonStatus::active || l.status == LessonStatus::needs_review) unsettled.push_back(l);
    }
    if (!unsettled.empty() && !request.force) {
      throw Error(ErrorCode::conflict,
                  fmt::format("{} holds {} unsettled lesson(s): {}", range.label, unsettled.size(),
                              listing(unsettled, [](const Lesson& l) {
                                return fmt::format("{} ({})", l.id, to_string(l.status));
                              })),
                  "settle them first (zoomtrack reconcile, sessions end), or add --force: they are locked "
                  "unpaid and paid by adjustments once settled");
    }
    period.label = range.label;
    period.from = range.from;
    period.to = range.to;
    period.tz = request.tz;
    period.closed_at = now;
    period.closed_by = request.who;
    period.id = store_.insert_period(period);
    for (const auto& l : lessons) {
      // The rows the report lists (void lessons are not payroll) with what they pay.
      // Frozen with the policy in force: a later policy change never reaches this period.
      store_.insert_period_lesson(period.id, l, l.status != LessonStatus::void_, pay_of(l, request.policy),
                                  to_string(request.policy));
    }
    auto sink = digest_of(store_, period);
    auto totals = sink.period;
    period.lessons = totals.lessons;
    period.duration_s = totals.duration_s;
    period.minutes = totals.minutes;
    period.needs_review = totals.needs_review;
    period.adjustments = totals.adjustments;
    period.columns = sink.column_list();
    period.digest = sink.digest();
    store_.set_period_totals(period);
    store_.insert_period_audit(period.id, {0, now, request.who, "manual", "period_close", "",
                                           fmt::format("{} digest={}", period.label, period.digest),
                                           fmt::format("{} lessons, {} s, {} adjustments{}{}", period.lessons,
                                                       period.duration_s, period.adjustments,
                                                       request.force ? " (forced)" : "",
                                                       request.policy == PayPolicy{}
                                                           ? ""
                                                           : "; pay policy " + to_string(request.policy))});
  });
  return period;
}

PayPeriod PayPeriods::reopen(int64_t id, const std::string& reason, const std::string& who) {
  if (reason.empty()) throw Error(ErrorCode::invalid_argument, "--reason is required");
  auto now = clock_.now();
  PayPeriod period;
  store_.write([&] {
    auto found = store_.find_period(id);
    if (!found) throw Error(ErrorCode::not_found, fmt::format("no pay period with id {}", id), "see 'zoomtrack period list'");
    period = *found;
    if (period.status != PeriodStatus::closed) {
      throw Error(ErrorCode::conflict, fmt::format("{} is already reopened", name_of(period)));
    }
    std::vector<std::pair<Adjustment, PayPeriod>> paid_elsewhere;
    for (const auto& a : store_.adjustments_for_period_lessons(id)) {
      if (auto covering = store_.closed_period_containing(a.at)) paid_elsewhere.emplace_back(a, *covering);
    }
    if (!paid_elsewhere.empty()) {
      throw Error(ErrorCode::conflict,
                  fmt::format("adjustments to {} are paid in other closed periods: {}", name_of(period),
                              listing(paid_elsewhere, [](const auto& item) {
                                return fmt::format("lesson {} {:+} s in period {} ({})", item.first.lesson_id,
                                                   item.first.delta_s(), item.second.id, item.second.label);
                              })),
                  fmt::format("reopen period {} first", paid_elsewhere.front().second.id));
    }
    store_.withdraw_adjustments_for_period_lessons(id, now);
    store_.mark_period_reopened(id, now, who, reason);
    store_.insert_period_audit(id, {0, now, who, "manual", "period_reopen",
                                    fmt::format("{} digest={}", period.label, period.digest), "reopened", reason});
    period.status = PeriodStatus::reopened;
    period.reopened_at = now;
    period.reopened_by = who;
    period.reopen_reason = reason;
  });
  return period;
}

namespace {

const std::string empty_trail_hash(64, '0');

bool is_hex_hash(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string ChainHead::text() const { return fmt::format("{}:{}", row, row == 0 ? empty_trail_hash : hash); }

ChainHead parse_chain_head(const std::string& text, const std::string& flag) {
  auto colon = text.find(':');
  ChainHead head;
  bool ok = colon != std::string::npos && colon > 0;
  if (ok) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + colon, head.row);
    ok = ec == std::errc{} && end == text.data() + colon && head.row >= 0 && std::isdigit(static_cast<unsigned char>(text[0]));
    head.hash = text.substr(colon + 1);
    std::transform(head.hash.begin(), head.hash.end(), head.hash.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    ok = ok && is_hex_hash(head.hash) && (head.row > 0 || head.hash == empty_trail_hash);
  }
  if (!ok) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} '{}' is not a chain head", flag, text),
                "give it as verify and period close print it: N:HASH, the newest audit row's id, a colon and its "
                "64 hex digits");
  }
  return head;
}

ChainHead PayPeriods::head() {
  auto [row, hash] = store_.audit_head();
  return {row, hash};
}

VerifyResult PayPeriods::verify(const std::optional<ChainHead>& recorded) {
  VerifyResult result;
  constexpr size_t max_problems = 100;
  auto problem = [&](VerifyProblem p) {
    if (result.problems.size() < max_problems) result.problems.push_back(std::move(p));
  };
  // Each row is checked against the hash stored in the row before it, so that one edit is named
  // once, at the row where it was made (or, for a deleted row, at the row after the gap).
  std::string previous;
  bool recorded_found = false;
  int64_t checked_from = 0;  // see replay_trail; a trail begun under schema 10 has no marker
  std::set<std::pair<int64_t, std::string>> period_actions;  // few: one close, maybe a reopen, per period
  store_.for_each_audit_row([&](const AuditRow& row) {
    ++result.audit_rows;
    if (audit_hash(previous, row) != row.hash) {
      problem({"audit", row.id,
               fmt::format("audit row {} does not match its hash: it was edited or inserted, or the row before it "
                           "was deleted",
                           row.id)});
    }
    if (recorded && row.id == recorded->row) {
      recorded_found = true;
      if (row.hash != recorded->hash) {
        problem({"head", row.id,
                 fmt::format("chain rewritten: audit row {} hashes to {}, but the head recorded earlier is {}",
                             row.id, row.hash, recorded->text())});
      }
    }
    if (row.action == "audit_format") checked_from = row.id;
    if (row.period_id) period_actions.emplace(*row.period_id, row.action);
    previous = row.hash;
    result.head = {row.id, row.hash};
  });
  if (recorded && recorded->row > 0 && !recorded_found) {
    problem({"head", recorded->row,
             recorded->row > result.head.row
                 ? fmt::format("newest rows deleted: the audit trail ends at row {}, but the head recorded earlier "
                               "is {}",
                               result.head.row, recorded->text())
                 : fmt::format("audit row {}, the head recorded earlier ({}), is gone: rows were deleted",
                               recorded->row, recorded->text())});
  }
  bool head_problem = std::any_of(result.problems.begin(), result.problems.end(),
                                  [](const VerifyProblem& p) { return p.kind == "head"; });
  if (recorded && !head_problem) result.extends = recorded;

  store_.for_each_lesson_trail([&](const LessonTrail& trail) {
    if (trail.lesson) ++result.lessons;
    for (auto& f : replay_trail(trail, checked_from)) {
      problem({"lesson", f.lesson_id, std::move(f.message), f.audit_id, std::move(f.field), std::move(f.audited),
               std::move(f.found)});
    }
  });

  for (const auto& period : store_.list_periods()) {
    // A period's close (and reopen) is audited in the same write: a period without it was
    // inserted by hand, or those rows were deleted from the trail's end.
    for (const char* action : {"period_close", "period_reopen"}) {
      bool needed = std::string(action) == "period_close" || period.status == PeriodStatus::reopened;
      if (needed && !period_actions.count({period.id, action})) {
        problem({"period", period.id,
                 fmt::format("{}: the audit trail has no {} row for it: it was written behind zoomtrack's back, or "
                             "the trail's newest rows were deleted",
                             name_of(period), action)});
      }
    }
    if (period.status != PeriodStatus::closed) continue;
    ++result.periods;
    auto sink = digest_of(store_, period, split_columns(period.columns));
    const auto& t = sink.period;
    if (sink.digest() != period.digest) {
      problem({"period", period.id,
               fmt::format("{}: its rows no longer hash to its digest {}", name_of(period), period.digest)});
    } else if (t.lessons != period.lessons || t.duration_s != period.duration_s || t.minutes != period.minutes ||
               t.adjustments != period.adjustments) {
      problem({"period", period.id, fmt::format("{}: its stored totals differ from its rows", name_of(period))});
    }
  }
  store_.for_each_lock([&](int64_t lesson_id, const LessonLock& lock) {
    ++result.locked_lessons;
    auto lesson = store_.find_lesson(lesson_id);
    if (!lesson) {
      problem({"lesson", lesson_id,
               fmt::format("lesson {} held by pay period {} is missing", lesson_id, lock.period_label)});
      return;
    }
    auto frozen = lock.pay_policy.empty() ? PayPolicy{} : parse_pay_policy(lock.pay_policy);
    auto paid = pay_of(*lesson, frozen).paid_s.value_or(0);
    if (paid != lock.paid_s) {
      problem({"lesson", lesson_id,
               fmt::format("lesson {} pays {} s, but pay period {} and its adjustments paid {} s", lesson_id, paid,
                           lock.period_label, lock.paid_s)});
    }
  });
  return result;
}

void to_json(nlohmann::json& j, const VerifyResult& r) {
  j = {{"ok", r.ok()},
       {"audit_rows", r.audit_rows},
       {"lessons", r.lessons},
       {"periods", r.periods},
       {"locked_lessons", r.locked_lessons},
       {"head", r.head.text()},
       {"extends", r.extends ? nlohmann::json(r.extends->text()) : nlohmann::json(nullptr)}};
  j["problems"] = nlohmann::json::array();
  for (const auto& p : r.problems) {
    nlohmann::json item{{"kind", p.kind}, {"id", p.id}, {"message", p.message}};
    if (p.audit_row) item["audit_row"] = *p.audit_row;
    if (!p.field.empty()) item.update({{"field", p.field}, {"audited", p.audited}, {"found", p.found}});
    j["problems"].push_back(std::move(item));
  }
}

}  // namespace zt
