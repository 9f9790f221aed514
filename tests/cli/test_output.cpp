// Streamed output is byte for byte what rendering the whole table at once gives.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli/output.hpp"
#include "core/services/report.hpp"
#include "support/service_on_disk.hpp"
#include "support/clicks.hpp"

using namespace zt;

namespace {

// A small payroll: paid, running, reviewed, void, a formula-looking name, commas and quotes.
void fill(test::ServiceOnDisk& f) {
  int n = 0;
  for (const char* student : {"s.hana", "=cmd()", "Doe, \"J\"", "s.void", "s.open"}) {
    NewLesson row;
    row.teacher = n % 2 ? "t.abebe" : "t.bekele";
    row.student = student;
    row.zoom_url = "https://zoom.us/j/" + std::to_string(86431910364 + n++) + "?pwd=x";
    auto lesson = f.service.create_lessons({row}).front().lesson;
    f.service.record_click(lesson.track_token, zt::test::person_click());
    f.clock.advance(std::chrono::seconds(1800 + 37 * n));
    if (std::string(student) == "s.void") f.service.void_lesson(lesson.id, "cancelled", "staff");
    else if (std::string(student) != "s.open") f.service.record_leave(lesson.leave_token);
  }
}

}  // namespace

TEST_CASE("streamed reports and lists equal the whole-table rendering byte for byte", "[cli][output]") {
  test::ServiceOnDisk f;
  fill(f);
  for (auto by : {ReportGrouping::lesson, ReportGrouping::teacher, ReportGrouping::student, ReportGrouping::day}) {
    ReportRequest r;
    r.by = by;
    r.tz = "Africa/Addis_Ababa";
    auto whole = build_report(f.store, r);
    for (auto format : {cli::Format::csv, cli::Format::json, cli::Format::table}) {
      std::ostringstream expected, streamed;
      auto table = whole.table;
      if (format == cli::Format::table) table.rows.push_back(whole.total);
      if (format == cli::Format::csv) cli::write_csv(expected, table);
      if (format == cli::Format::json) expected << cli::table_to_json(table).dump(2) << "\n";
      if (format == cli::Format::table) cli::write_text_table(expected, table);
      cli::StreamingTable rows(streamed, format);
      rows.finish(write_report(f.store, r, rows));
      INFO(static_cast<int>(by) << " " << static_cast<int>(format));
      CHECK(streamed.str() == expected.str());
      CHECK(!whole.table.rows.empty());
    }
  }
  std::ostringstream lessons_whole, lessons_streamed;
  auto all = f.service.list({});
  lessons_whole << nlohmann::json(all).dump(2) << "\n";
  cli::JsonArrayStream stream(lessons_streamed);
  f.service.for_each({}, [&](const Lesson& l) { stream.element(l); });
  stream.finish();
  CHECK(lessons_streamed.str() == lessons_whole.str());
  std::ostringstream none;
  cli::JsonArrayStream empty(none);
  empty.finish();
  CHECK(none.str() == "[]\n");
}

TEST_CASE("CSV cells are quoted by RFC 4180 and formula-looking text is defused, in exact bytes", "[cli][output]") {
  Table table;
  table.columns = {"name", "n"};
  table.numeric = {false, true};
  table.rows = {{"plain", "-5"},
                {"=cmd()", "7"},
                {"Doe, \"J\"", ""},
                {"+1,2", "0"},
                {"line\nbreak", "1"},
                {"\rcr", "2"},
                {"", "3"}};
  std::ostringstream out;
  cli::write_csv(out, table);
  // A numeric cell keeps its minus sign; a text cell that could run as a formula gets a ', inside
  // the quotes when it needs them.
  CHECK(out.str() ==
        "name,n\r\n"
        "plain,-5\r\n"
        "'=cmd(),7\r\n"
        "\"Doe, \"\"J\"\"\",\r\n"
        "\"'+1,2\",0\r\n"
        "\"line\nbreak\",1\r\n"
        "\"'\rcr\",2\r\n"
        ",3\r\n");
}
