#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <limits>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"
#include "core/util/text.hpp"

namespace zt::cli {
namespace {

struct ListOptions {
  std::vector<std::string> statuses;
  std::optional<std::string> from, to;
  std::string teacher, student, ref;
  FormatFlags format;
};

struct CorrectionOptions {
  std::string id;  // decimal: see cli/numbers.hpp
  std::string at, reason, by;
  bool force = false;
  bool json = false;
};

int64_t lesson_id(const std::string& text) {
  return parse_decimal(text, "lesson id", 1, std::numeric_limits<int64_t>::max());
}

std::string who(const std::string& by) {
  if (!by.empty()) return by;
  const char* user = std::getenv("USER");
  return user && *user ? user : "unknown";
}

std::string duration_cell(const Lesson& l) {
  auto d = l.duration_s();
  return d ? std::to_string(*d) : "";
}

// `sessions list`: the short columns for people, every column for --csv.
void list_columns(RowSink& rows, bool full) {
  if (full) {
    rows.columns({"id", "status", "teacher", "teacher_name", "student", "student_name", "meeting_id",
                  "created_at", "started_at", "ended_at", "end_source", "duration_s", "expires_at", "scheduled_at", "ref"},
                 {true, false, false, false, false, false, false, false, false, false, false, true, false, false, false});
  } else {
    rows.columns({"id", "status", "teacher", "student", "started_at", "ended_at", "end_source", "duration_s",
                  "scheduled_at", "ref"},
                 {true, false, false, false, false, false, false, true, false, false});
  }
}

std::vector<std::string> list_row(const Lesson& l, bool full) {
  auto source = l.end_source ? to_string(*l.end_source) : "";
  if (full) {
    return {std::to_string(l.id), to_string(l.status), l.teacher, l.teacher_name, l.student,
            l.student_name, l.meeting_id, format_utc(l.created_at), format_utc(l.started_at),
            format_utc(l.ended_at), source, duration_cell(l), format_utc(l.expires_at), format_utc(l.scheduled_at), l.ref};
  }
  return {std::to_string(l.id), to_string(l.status), l.teacher, l.student,
          format_utc(l.started_at), format_utc(l.ended_at), source, duration_cell(l), format_utc(l.scheduled_at), l.ref};
}

void list_lessons(Context& ctx, const ListOptions& o) {
  LessonFilter filter;
  auto tz = ctx.time_zone();
  for (const auto& status : o.statuses) filter.statuses.push_back(parse_lesson_status(status));
  filter.teacher = o.teacher;
  filter.student = o.student;
  filter.ref = o.ref.empty() ? o.ref : normalized_ref(o.ref);  // found as link create stored it
  if (o.from) filter.from = parse_time_arg(*o.from, tz);
  if (o.to) filter.to = parse_period_end_arg(*o.to, tz);
  // Streamed: memory does not grow with the number of lessons.
  if (o.format.json) {
    JsonArrayStream out(std::cout);
    ctx.lessons().for_each(filter, [&](const Lesson& l) { out.element(l); });
    out.finish();
    return;
  }
  filter.without_links = true;  // the table and CSV show none
  StreamingTable rows(std::cout, o.format.format());
  list_columns(rows, o.format.csv);
  ctx.lessons().for_each(filter, [&](const Lesson& l) { rows.row(list_row(l, o.format.csv)); });
  rows.finish();
}

void print_detail(const LessonDetail& d) {
  const auto& l = d.lesson;
  std::cout << fmt::format("lesson {}  {}\n", l.id, to_string(l.status));
  if (!l.ref.empty()) std::cout << fmt::format("  ref          {}\n", l.ref);
  std::cout << fmt::format("  teacher      {} {}\n  student      {} {}\n", l.teacher, terminal_safe(l.teacher_name),
                           l.student, terminal_safe(l.student_name));
  std::cout << fmt::format("  meeting      {}\n  created      {}\n  scheduled    {}\n  started      {}\n",
                           l.meeting_id, format_utc(l.created_at), format_utc(l.scheduled_at), format_utc(l.started_at));
  std::cout << fmt::format("  ended        {} {}\n  duration_s   {}\n  expires      {}\n",
                           format_utc(l.ended_at), l.end_source ? to_string(*l.end_source) : "",
                           duration_cell(l), format_utc(l.expires_at));
  std::cout << fmt::format("  tracking URL {}\n  teacher URL  {}\n  checkout URL {}\n", l.tracking_url(),
                           l.teacher_url(), l.checkout_url());
  // Why the lesson pays what it pays, in one sentence (explain_pay), under the policy shown.
  std::cout << fmt::format("  pay          {}\n  pay policy   {}\n", d.pay_sentence, to_string(d.pay_policy));
  std::cout << fmt::format("clicks ({})\n", d.clicks.size());
  for (const auto& c : d.clicks) {
    std::cout << fmt::format("  {} {:<7} {} {} {}\n", format_utc(c.at), c.kind, terminal_safe(c.method), terminal_safe(c.ip), terminal_safe(c.user_agent));
  }
  std::cout << fmt::format("end signals ({})\n", d.end_signals.size());
  for (const auto& s : d.end_signals) {
    std::cout << fmt::format("  {} {}{} {}\n", format_utc(s.at), to_string(s.source), s.forced ? " (forced)" : "", terminal_safe(s.detail));
  }
  std::cout << fmt::format("webhook events ({})\n", d.events.size());
  for (const auto& e : d.events) {
    std::cout << fmt::format("  #{} {} {} {} {}\n", e.id, format_utc(e.received_at), terminal_safe(e.event), e.outcome, terminal_safe(e.detail));
  }
  std::cout << fmt::format("segments ({})\n", d.segments.size());
  for (const auto& s : d.segments) {
    std::cout << fmt::format("  {} {} – {} {}{} {}\n", s.source, format_utc(s.join_time), format_utc(s.leave_time),
                             terminal_safe(s.name), s.is_host ? " (teacher)" : "", terminal_safe(s.leave_reason));
  }
  std::cout << fmt::format("telegram ({})\n", d.telegram.size());
  for (const auto& t : d.telegram) {
    std::cout << fmt::format("  {} {:<7} {} {:<6} message {} attempts {} {}\n", format_utc(t.created_at), t.role,
                             t.chat, t.state, t.message_id ? std::to_string(*t.message_id) : "-", t.attempts,
                             terminal_safe(t.last_error));
  }
  std::cout << fmt::format("audit ({})\n", d.audit.size());
  for (const auto& a : d.audit) {
    std::cout << fmt::format("  {} {} {} {}: {} -> {}  {}\n", format_utc(a.at), terminal_safe(a.who), a.source, a.action,
                             terminal_safe(a.old_value), terminal_safe(a.new_value), terminal_safe(a.reason));
  }
}

// One sentence with only the facts the lesson has: "lesson 6 is final: started …, ended … by
// webhook, 3125 s (52 min)".
std::string describe_lesson(const Lesson& l) {
  auto text = fmt::format("lesson {} is {}", l.id, to_string(l.status));
  if (l.started_at) text += fmt::format(": started {}", format_utc(l.started_at));
  else text += ": never started";
  if (l.ended_at) {
    text += fmt::format(", ended {}", format_utc(l.ended_at));
    if (l.end_source) text += fmt::format(" by {}", to_string(*l.end_source));
  }
  if (auto d = l.duration_s()) text += fmt::format(", {} s ({} min)", *d, *d / 60);
  return text;
}

void print_correction(const Lesson& l, const std::string& reason, bool json) {
  if (json) std::cout << json_text(nlohmann::json(l), 2) << "\n";
  else std::cout << describe_lesson(l) << "; reason: " << terminal_safe(reason) << "\n";
}

void print_void(const Lesson& before, const Lesson& after, const std::string& reason, bool json) {
  if (json) {
    std::cout << json_text(nlohmann::json(after), 2) << "\n";
    return;
  }
  std::string was = to_string(before.status);
  if (before.started_at) was += " since " + format_utc(before.started_at);
  else was += ", never started";
  std::cout << fmt::format("lesson {} is now void (was {}); reason: {}\n", after.id, was, terminal_safe(reason));
}

void add_list(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<ListOptions>();
  auto* cmd = sessions.add_subcommand("list", "list lessons with start, end, source, duration and status");
  cmd->add_option("--status", o->statuses,
                  "created, active, ended, final, expired, needs_review, void or no_show; repeat it (or separate with "
                  "commas) "
                  "for lessons in any of them")
      ->type_name("STATUS")
      ->delimiter(',')
      ->check(CLI::IsMember({"created", "active", "ended", "final", "expired", "needs_review", "void", "no_show"}));
  cmd->add_option("--teacher", o->teacher, "only this teacher's lessons");
  cmd->add_option("--student", o->student, "only this student's lessons");
  cmd->add_option("--ref", o->ref, "only the lesson created with this --ref");
  cmd->add_option("--from", o->from, "started (or created) at or after this time or date");
  cmd->add_option("--to", o->to, "started (or created) before this time, or on or before this date");
  add_format_flags(*cmd, o->format);
  cmd->footer("Examples:\n  zoomtrack sessions list --status needs_review\n"
              "  zoomtrack sessions list --status active --status ended --json\n"
              "  zoomtrack sessions list --teacher t.abebe --from 2026-11-01 --csv");
  cmd->callback([&ctx, o] { list_lessons(ctx, *o); });
}

void add_show(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<CorrectionOptions>();
  auto* cmd = sessions.add_subcommand("show", "one lesson with its clicks, webhook events, segments and audit trail");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_flag("--json", o->json, "print JSON");
  cmd->footer("Example:\n  zoomtrack sessions show 42 --json");
  cmd->callback([&ctx, o] {
    auto detail = ctx.lessons().detail(lesson_id(o->id));
    if (o->json) std::cout << json_text(nlohmann::json(detail), 2) << "\n";
    else print_detail(detail);
  });
}

void add_end(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<CorrectionOptions>();
  auto* cmd = sessions.add_subcommand("end", "set a lesson's end by hand (audited)");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_option("--at", o->at, "when the teacher left (ISO 8601)")->required();
  cmd->add_option("--reason", o->reason, "why, for the audit trail")->required();
  cmd->add_option("--by", o->by, "who is correcting (default $USER)");
  cmd->add_flag("--force", o->force, "override an end that came from Zoom");
  cmd->add_flag("--json", o->json, "print the lesson as JSON");
  cmd->footer("Example:\n  zoomtrack sessions end 42 --at 2026-11-25T10:30:00Z --reason 'teacher phoned: Zoom crashed'");
  cmd->callback([&ctx, o] {
    auto at = parse_time_arg(o->at, ctx.time_zone());
    print_correction(ctx.lessons().end_manually(lesson_id(o->id), at, o->reason, who(o->by), o->force), o->reason, o->json);
  });
}

void add_void(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<CorrectionOptions>();
  auto* cmd = sessions.add_subcommand("void", "cancel a lesson: it is never paid (audited)");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_option("--reason", o->reason, "why, for the audit trail")->required();
  cmd->add_option("--by", o->by, "who is cancelling (default $USER)");
  cmd->add_flag("--json", o->json, "print the lesson as JSON");
  cmd->footer("Example:\n  zoomtrack sessions void 42 --reason 'student cancelled'");
  cmd->callback([&ctx, o] {
    auto id = lesson_id(o->id);
    auto before = ctx.lessons().get(id);
    print_void(before, ctx.lessons().void_lesson(id, o->reason, who(o->by)), o->reason, o->json);
  });
}

void add_start(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<CorrectionOptions>();
  auto* cmd = sessions.add_subcommand("start", "set a lesson's start by hand: the student reached Zoom without clicking (audited)");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_option("--at", o->at, "when the lesson began (ISO 8601)")->required();
  cmd->add_option("--reason", o->reason, "why, for the audit trail")->required();
  cmd->add_option("--by", o->by, "who is correcting (default $USER)");
  cmd->add_flag("--force", o->force, "override the start the student's real click gave");
  cmd->add_flag("--json", o->json, "print the lesson as JSON");
  cmd->footer("Example:\n  zoomtrack sessions start 42 --at 2026-11-25T09:00:00Z --reason 'student joined from the Zoom app'");
  cmd->callback([&ctx, o] {
    auto at = parse_time_arg(o->at, ctx.time_zone());
    print_correction(ctx.lessons().start_manually(lesson_id(o->id), at, o->reason, who(o->by), o->force), o->reason, o->json);
  });
}

void add_restore(CLI::App& sessions, Context& ctx) {
  auto o = std::make_shared<CorrectionOptions>();
  auto* cmd = sessions.add_subcommand("restore", "undo a void: the lesson is derived again from its clicks and signals (audited)");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_option("--reason", o->reason, "why, for the audit trail")->required();
  cmd->add_option("--by", o->by, "who is restoring (default $USER)");
  cmd->add_flag("--json", o->json, "print the lesson as JSON");
  cmd->footer("Example:\n  zoomtrack sessions restore 42 --reason 'voided by mistake'");
  cmd->callback([&ctx, o] {
    print_correction(ctx.lessons().restore(lesson_id(o->id), o->reason, who(o->by)), o->reason, o->json);
  });
}

}  // namespace

void add_sessions_command(CLI::App& app, Context& ctx) {
  auto* sessions = app.add_subcommand("sessions", "list, show and correct lessons");
  sessions->alias("lessons");
  sessions->require_subcommand(1);
  sessions->footer("Examples:\n  zoomtrack sessions list --status needs_review\n  zoomtrack sessions show 42");
  add_list(*sessions, ctx);
  add_show(*sessions, ctx);
  add_end(*sessions, ctx);
  add_void(*sessions, ctx);
  add_start(*sessions, ctx);
  add_restore(*sessions, ctx);
}

}  // namespace zt::cli
