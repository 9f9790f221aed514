#include <iostream>

#include "cli/commands.hpp"
#include "core/util/config.hpp"
#include "core/services/payroll_page.hpp"
#include "core/services/report.hpp"
#include "core/util/user_files.hpp"

namespace zt::cli {
namespace {

struct ReportOptions {
  std::optional<std::string> from, to, month, tz;
  std::string teacher, student;
  std::string by = "lesson";
  std::string minutes = "round";
  std::string output;
  FormatFlags format;
  // The pay policy's settings, by their config names: the same facts under another policy.
  std::optional<std::string> pay_basis, pay_cap, pay_grace, pay_minimum, no_show_after, no_show_pay;
  bool html = false;
};

void run_report(Context& ctx, const ReportOptions& o) {
  ctx.config({{"tz", o.tz},
              {"pay_basis", o.pay_basis},
              {"pay_cap", o.pay_cap},
              {"pay_grace", o.pay_grace},
              {"pay_minimum", o.pay_minimum},
              {"no_show_after", o.no_show_after},
              {"no_show_pay", o.no_show_pay}});
  ReportRequest request;
  request.tz = ctx.time_zone();
  request.by = parse_report_grouping(o.by);
  request.rounding = parse_minute_rounding(o.minutes);
  if (o.month) {
    auto month = parse_month_arg(*o.month, request.tz);
    request.from = month.from;
    request.to = month.to;
  }
  if (o.from) request.from = parse_time_arg(*o.from, request.tz);
  if (o.to) request.to = parse_period_end_arg(*o.to, request.tz);
  request.teacher = o.teacher;
  request.student = o.student;
  request.policy = pay_policy(ctx.config());
  auto format = o.format.format();
  auto produce = [&](std::ostream& out) {
    if (o.html) {
      out << render_payroll_page(build_payroll_page(ctx.store(), request, ctx.clock().now()));
      return;
    }
    StreamingTable rows(out, format);
    rows.finish(write_report(ctx.store(), request, rows));
  };
  if (o.output.empty()) {
    produce(std::cout);
    return;
  }
  write_output_file(o.output, produce);
  ctx.info("wrote " + o.output);
}

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand("report", "payroll export: lessons and minutes");
  auto* from = cmd->add_option("--from", o->from, "lessons that started at or after this time or date");
  auto* to = cmd->add_option("--to", o->to, "lessons that started before this time, or on or before this date");
  cmd->add_option("--month", o->month, "lessons that started in this month (YYYY-MM) in --tz")
      ->type_name("YYYY-MM")
      ->excludes(from)
      ->excludes(to);
  cmd->add_option("--teacher", o->teacher, "only this teacher's lessons");
  cmd->add_option("--student", o->student, "only this student's lessons");
  auto* by = cmd->add_option("--by", o->by, "one row per lesson, teacher, student or day")
                ->check(CLI::IsMember({"lesson", "teacher", "student", "day"}));
  cmd->add_option("--tz", o->tz, "time zone for day boundaries and local times (default UTC)");
  cmd->add_option("--minutes", o->minutes, "how seconds become minutes: round, floor or ceil")
      ->check(CLI::IsMember({"round", "floor", "ceil"}));
  cmd->add_option("--pay-basis", o->pay_basis, "pay click (end - start), teacher (teacher in Zoom) or together")
      ->check(CLI::IsMember({"click", "teacher", "together"}));
  cmd->add_option("--pay-cap", o->pay_cap, "pay at most this: a duration, or length+DUR of the booking")
      ->type_name("DUR");
  cmd->add_option("--pay-grace", o->pay_grace, "a lesson paid less than this pays nothing")->type_name("DUR");
  cmd->add_option("--pay-minimum", o->pay_minimum, "a held lesson pays at least this")->type_name("DUR");
  cmd->add_option("--no-show-after", o->no_show_after, "the no-show rule's wait: what a no_show pays by default")
      ->type_name("DUR");
  cmd->add_option("--no-show-pay", o->no_show_pay, "what a no_show lesson pays")->type_name("DUR");
  cmd->add_option("-o,--output", o->output, "write to this file instead of stdout: a regular file is replaced atomically, a device or FIFO written through")->type_name("FILE");
  add_format_flags(*cmd, o->format);
  // The page shows every grouping itself.
  cmd->add_flag("--html", o->html, "one self-contained HTML page for people; with --teacher, that teacher's statement")
      ->excludes(by)
      ->excludes(cmd->get_option("--json"))
      ->excludes(cmd->get_option("--csv"));
  cmd->footer(
      "Examples:\n"
      "  zoomtrack report --month 2026-11 --by teacher --csv -o payroll.csv\n"
      "  zoomtrack report --from 2026-11-01 --to 2026-11-15 --teacher t.abebe\n"
      "  zoomtrack report --by day --tz Africa/Addis_Ababa --json\n"
      "  zoomtrack report --month 2026-11 --pay-basis together --pay-grace 5m --pay-cap length+5m\n"
      "  zoomtrack report --month 2026-11 --html -o payroll-2026-11.html\n"
      "  zoomtrack report --month 2026-11 --teacher t.abebe --html -o statement.html\n"
      "Lessons in a closed pay period pay what the period froze, whatever the policy flags say.");
  cmd->callback([&ctx, o] { run_report(ctx, *o); });
}

}  // namespace zt::cli
