#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/csv_reader.hpp"
#include "cli/telegram.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

struct LinkOptions {
  NewLesson lesson;
  std::optional<std::string> scheduled_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> length;
  std::optional<std::string> base_url;
  std::optional<std::string> tz, telegram_token_file;
  std::string from_csv;
  CreateOptions create;
  bool json = false;
};

std::optional<TimePoint> optional_time(const std::optional<std::string>& text, const std::string& tz) {
  if (!text || text->empty()) return std::nullopt;
  return parse_time_arg(*text, tz);
}

// The booked length: a duration, at least a minute (a "0m" booking is a typo, not a lesson).
std::optional<Seconds> optional_length(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  Seconds length{};
  try {
    length = parse_duration(*text);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("--length: ") + e.what(), e.hint());
  }
  if (length < std::chrono::minutes{1}) {
    throw Error(ErrorCode::invalid_argument, fmt::format("--length '{}' is shorter than a minute", *text),
                "give the booked length, like 45m or 1h");
  }
  return length;
}

// The CSV has the flags' names as columns (teacher, student, zoom_url, ...; '-' or '_').
std::vector<NewLesson> read_lessons_csv(const std::string& path, const std::string& tz) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::invalid_argument, fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<NewLesson> lessons;
  auto records = parse_csv_records(text.str(), path);
  if (!records.empty()) {
    for (const char* column : {"teacher", "student", "zoom_url"}) {
      if (!records.front().count(column)) {
        throw Error(ErrorCode::invalid_argument, fmt::format("{}: header: there is no '{}' column", path, column),
                    "name the columns in the first row: teacher,student,zoom_url and any of teacher_name,"
                    "teacher_zoom_email,student_name,scheduled_at,expires_at,ref,telegram_chat,teacher_telegram_chat,"
                    "student_zoom_email,length");
      }
    }
  }
  bool with_refs = !records.empty() && records.front().count("ref");
  for (size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    NewLesson l;
    l.teacher = r["teacher"];
    l.student = r["student"];
    l.zoom_url = r["zoom_url"];
    l.teacher_name = r["teacher_name"];
    l.teacher_zoom_email = r["teacher_zoom_email"];
    l.student_name = r["student_name"];
    l.ref = r["ref"];
    if (with_refs && l.ref.empty()) {
      // A retry of this file would create the row again: keys are all or none.
      throw Error(ErrorCode::invalid_argument, fmt::format("{}: row {}: the ref cell is empty", path, i + 1),
                  "give every row a ref, or drop the ref column");
    }
    l.telegram_chat = r["telegram_chat"];
    l.teacher_telegram_chat = r["teacher_telegram_chat"];
    l.student_zoom_email = r["student_zoom_email"];
    try {
      l.scheduled_at = optional_time(r["scheduled_at"], tz);
      l.expires_at = optional_time(r["expires_at"], tz);
      l.length = optional_length(r["length"]);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("{}: row {}: {}", path, i + 1, e.what()), e.hint());
    }
    lessons.push_back(std::move(l));
  }
  if (lessons.empty()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{}: no lessons below the header", path),
                "add one row per lesson under the header");
  }
  return lessons;
}

nlohmann::json link_json(const CreatedLesson& created) {
  const auto& l = created.lesson;
  return {{"id", l.id},
          {"tracking_url", l.tracking_url()},
          {"teacher_url", l.teacher_url()},
          {"checkout_url", l.checkout_url()},
          {"track_token", l.track_token},
          {"leave_token", l.leave_token},
          {"status", to_string(l.status)},
          {"ref", l.ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(l.ref)},
          {"existing", created.existing}};
}

// Each lesson's Telegram deliveries, by lesson id; empty when nothing was sent.
using Deliveries = std::map<int64_t, std::vector<TelegramDelivery>>;

void print_links(const std::vector<CreatedLesson>& lessons, const Deliveries& sent, bool json, bool from_csv) {
  auto of = [&](const Lesson& l) { return sent.count(l.id) ? sent.at(l.id) : std::vector<TelegramDelivery>{}; };
  if (json) {
    for (const auto& l : lessons) {
      auto j = link_json(l);
      add_telegram_json(j, of(l.lesson));
      std::cout << json_text(j) << "\n";
    }
    return;
  }
  if (!from_csv && lessons.size() == 1) {
    const auto& [l, existing] = lessons.front();
    auto heading = existing ? fmt::format("lesson {} (stored before for ref {}; nothing new stored)", l.id,
                                          l.ref)
                            : fmt::format("lesson {}", l.id);
    std::cout << fmt::format("{}\ntracking URL: {}\nteacher URL:  {}\ncheckout URL: {}\n", heading,
                             l.tracking_url(), l.teacher_url(), l.checkout_url());
    for (const auto& d : of(l)) std::cout << "telegram:     " << describe(d) << "\n";
    return;
  }
  // With refs, a re-run shows which rows were stored before; without them every row is new.
  bool with_refs = std::any_of(lessons.begin(), lessons.end(), [](auto& c) { return !c.lesson.ref.empty(); });
  Table table;
  table.columns = {"id", "teacher", "student", "tracking_url", "teacher_url", "checkout_url"};
  if (with_refs) table.columns.insert(table.columns.begin() + 3, {"ref", "new"});
  table.numeric.assign(table.columns.size(), false);
  table.numeric[0] = true;
  if (!sent.empty()) table.columns.push_back("telegram"), table.numeric.push_back(false);
  for (const auto& [l, existing] : lessons) {
    std::vector<std::string> row{std::to_string(l.id), l.teacher, l.student, l.tracking_url(), l.teacher_url(),
                                 l.checkout_url()};
    if (with_refs) row.insert(row.begin() + 3, {l.ref, existing ? "no" : "yes"});
    if (!sent.empty()) row.push_back(of(l).empty() ? "" : summary_state(of(l)));
    table.rows.push_back(std::move(row));
  }
  write_table(std::cout, table, Format::table);
}

// The first attempt at each lesson's Telegram messages, after the lessons are committed.
Deliveries send_on_telegram(Context& ctx, TelegramSender* telegram, const std::vector<CreatedLesson>& lessons) {
  Deliveries sent;
  if (!telegram) return sent;
  std::vector<int64_t> ids;
  for (const auto& created : lessons) {
    for (const auto& d : ctx.store().telegram_deliveries_for(created.lesson.id)) ids.push_back(d.id);
  }
  auto deliveries = telegram->send_now(ctx, ids);
  for (const auto& d : deliveries) sent[d.lesson_id].push_back(d);
  warn_unsent(ctx, deliveries);
  return sent;
}

// Refuses before anything is stored when a row names a chat but no bot token is configured.
std::unique_ptr<TelegramSender> telegram_for(Context& ctx, const std::vector<NewLesson>& rows) {
  bool wanted = std::any_of(rows.begin(), rows.end(), [](const NewLesson& l) {
    return !l.telegram_chat.empty() || !l.teacher_telegram_chat.empty();
  });
  return wanted ? std::make_unique<TelegramSender>(ctx) : nullptr;
}

void create_links(Context& ctx, LinkOptions& o) {
  ctx.config({{"base_url", o.base_url}, {"tz", o.tz}, {"telegram_token_file", o.telegram_token_file}});
  auto tz = ctx.time_zone();
  std::vector<NewLesson> rows;
  if (!o.from_csv.empty()) {
    if (!o.lesson.teacher.empty() || !o.lesson.student.empty() || !o.lesson.zoom_url.empty() ||
        !o.lesson.ref.empty()) {
      throw Error(ErrorCode::invalid_argument, "--from-csv takes the lessons from the file only",
                  "drop --teacher, --student, --zoom-url and --ref; put refs in the file's ref column");
    }
    rows = read_lessons_csv(o.from_csv, tz);
  } else {
    o.lesson.scheduled_at = optional_time(o.scheduled_at, tz);
    o.lesson.expires_at = optional_time(o.expires_at, tz);
    o.lesson.length = optional_length(o.length);
    rows.push_back(o.lesson);
  }
  auto telegram = telegram_for(ctx, rows);
  auto create = [&] {
    // Refuse bad rows before the database is opened: a refused command creates no empty file.
    build_lessons(rows, ctx.service_options(), ctx.clock().now());
    return ctx.lessons().create_lessons(rows, o.create);
  };
  if (o.from_csv.empty()) {
    auto created = create();
    print_links(created, send_on_telegram(ctx, telegram.get(), created), o.json, false);
    return;
  }
  std::vector<CreatedLesson> created;
  try {
    created = create();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_argument && e.code() != ErrorCode::conflict) throw;
    // One format for every row error: "FILE: row N: what", N counting the lessons below the header.
    std::string what = e.what();
    if (!what.starts_with("row ")) what = "row 1: " + what;
    auto hint = e.hint().empty() ? std::string("fix that row and run the same command again") : e.hint();
    throw Error(e.code(), fmt::format("{}: {}; nothing was created", o.from_csv, what), hint);
  }
  print_links(created, send_on_telegram(ctx, telegram.get(), created), o.json, true);
}

}  // namespace

void add_link_command(CLI::App& app, Context& ctx) {
  auto* link = app.add_subcommand("link", "create lesson links and send them on Telegram");
  link->require_subcommand(1);
  link->footer("Example:\n  zoomtrack link create --teacher t.abebe --student s.hana --zoom-url 'https://zoom.us/j/86431910364'");
  auto o = std::make_shared<LinkOptions>();
  auto* create = link->add_subcommand("create", "store a lesson and print its tracking, teacher and checkout URLs");
  create->add_option("--teacher", o->lesson.teacher, "teacher's id (as payroll knows them)");
  create->add_option("--student", o->lesson.student, "student's id");
  create->add_option("--zoom-url", o->lesson.zoom_url, "the teacher's Zoom join URL (https://zoom.us/j/...)");
  create->add_option("--teacher-name", o->lesson.teacher_name, "teacher's display name in Zoom");
  create->add_option("--teacher-zoom-email", o->lesson.teacher_zoom_email, "teacher's Zoom account email");
  create->add_option("--student-name", o->lesson.student_name, "student's name");
  create->add_option("--student-zoom-email", o->lesson.student_zoom_email,
                     "student's Zoom account email: recognises the student among the meeting's participants");
  create->add_option("--scheduled-at", o->scheduled_at, "when the lesson is booked (ISO 8601)");
  create->add_option("--length", o->length, "the booked length (45m, 1h): pay_cap length+DUR caps at it")
      ->type_name("DUR");
  create->add_option("--expires-at", o->expires_at, "the link stops working if unclicked by then (default: 7 days after scheduled or now)");
  create->add_option("--base-url", o->base_url, "public URL links are built on (env ZOOMTRACK_BASE_URL)");
  create->add_option("--ref", o->lesson.ref,
                     "your key for this lesson (a booking id): the same --ref again gives back the lesson stored for it");
  create->add_flag("--allow-duplicate", o->create.allow_duplicate,
                   "store the lesson even if one not started yet has the same teacher, student, Zoom URL and time");
  create->add_option("--telegram-chat", o->lesson.telegram_chat,
                     "send the student the tracking link on Telegram (chat id or @channel)");
  create->add_option("--teacher-telegram-chat", o->lesson.teacher_telegram_chat,
                     "send the teacher the checkout link on Telegram");
  add_telegram_token_flag(*create, o->telegram_token_file);
  create->add_option("--tz", o->tz, "time zone for date-only times and times in messages (default UTC)");
  create->add_option("--from-csv", o->from_csv, "create one lesson per CSV row, all or none")->check(CLI::ExistingFile);
  create->add_flag("--json", o->json, "print JSON (one object per lesson, one per line)");
  create->footer(
      "Examples:\n"
      "  zoomtrack link create --teacher t.abebe --student s.hana \\\n"
      "      --zoom-url 'https://zoom.us/j/86431910364?pwd=abc' --teacher-zoom-email abebe@school.example --json\n"
      "  zoomtrack link create --teacher t.abebe --student s.hana --zoom-url 'https://zoom.us/j/86431910364' \\\n"
      "      --scheduled-at 2026-11-27T09:00:00Z --ref booking-4711\n"
      "  zoomtrack link create --from-csv lessons.csv --json\n"
      "  ZOOMTRACK_TELEGRAM_TOKEN=... zoomtrack link create --teacher t.abebe --teacher-name Abebe \\\n"
      "      --student s.hana --zoom-url 'https://zoom.us/j/86431910364' --telegram-chat 123456789\n"
      "CSV columns: teacher,student,zoom_url,teacher_name,teacher_zoom_email,student_name,scheduled_at,expires_at,\n"
      "  ref,telegram_chat,teacher_telegram_chat,student_zoom_email,length");
  create->callback([&ctx, o, create] {
    if (create->count("--ref") && o->lesson.ref.empty()) {
      // Likely an empty shell variable: without its key, a retry would store the lesson twice.
      throw Error(ErrorCode::invalid_argument, "--ref is empty", "give the booking's id, or leave --ref out");
    }
    ctx.allow_create_database();
    create_links(ctx, *o);
  });
  add_link_send_command(*link, ctx);
}

}  // namespace zt::cli
