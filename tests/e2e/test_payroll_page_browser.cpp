// The payroll page as people see it: opened from a file by headless Chromium at phone and desktop
// widths and printed to A4 PDF, with the browser's network log proving that the page asked for
// nothing. A page that does fetch (the control) is caught by the same checks.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/harness.hpp"
#include "support/past_lessons.hpp"

using namespace zt::test;
using nlohmann::json;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Browser {
  TempDir profile;
  std::string net_log = profile.file("net-log.json");

  // Every host resolves to nothing, so a fetch could not succeed; the network log still records
  // that the page tried.
  RunResult run(const std::vector<std::string>& extra, const std::string& file) {
    std::vector<std::string> argv{"timeout", "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                  "--disable-sync", "--user-data-dir=" + profile.file("profile"),
                                  "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
                                  "--log-net-log=" + net_log};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("file://" + file);
    // Chromium runs on the real clock (libfaketime hangs it); the page was made by the binary.
    auto r = run_program(argv, {{"HOME", profile.path().string()}, {"LD_PRELOAD", ""}}, "", 90);
    INFO("chromium is in scripts/install-deps --test; stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }

  // URLs the page itself asked for. Chromium's own background requests have no origin
  // ("not an origin"); a page opened from a file has the opaque origin "null".
  std::vector<std::string> page_requests() const {
    auto log = json::parse(read_file(net_log));
    int start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    std::vector<std::string> urls;
    for (const auto& event : log["events"]) {
      if (event["type"] != start_job || !event.contains("params") || !event["params"].contains("url")) continue;
      if (event["params"].value("initiator", "") != "not an origin") urls.push_back(event["params"]["url"]);
    }
    return urls;
  }
};

// The page loaded at `width`: no request, no console message, the DOM has no script.
std::string load(Browser& browser, const std::string& file, int width) {
  auto r = browser.run({"--dump-dom", "--window-size=" + std::to_string(width) + ",900"}, file);
  CHECK(browser.page_requests().empty());
  CHECK(!has(r.err, ":CONSOLE"));
  CHECK(!has(r.out, "<script"));
  return r.out;
}

std::string pdf_text(const std::string& pdf) {
  auto r = run_program({"pdftotext", "-layout", pdf, "-"});
  INFO("pdftotext is poppler-utils, in scripts/install-deps --test: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

int pdf_pages(const std::string& pdf) {
  auto r = run_program({"pdfinfo", pdf});
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "(A4)"));
  auto at = r.out.find("Pages:");
  REQUIRE(at != std::string::npos);
  return std::stoi(r.out.substr(at + 6));
}

}  // namespace

TEST_CASE("the payroll page opens offline at phone and desktop widths and prints on A4", "[e2e][browser][payroll-page]") {
  TempDir dir;
  auto db = dir.file("zoomtrack.db");
  {
    PastLessons past(db);
    past.held(lesson_on_meeting("t.abebe", "s.hana", 1), "2026-11-02T09:03:00Z", "2026-11-02T09:50:00Z",
              "2026-11-02T09:00:00Z");
    past.held(lesson_on_meeting("<script>alert(1)</script>&co", "s.lulit", 2), "2026-11-03T14:00:00Z",
              "2026-11-03T14:44:40Z");
    past.held(lesson_on_meeting("محمد علي", "فاطمة", 3), "2026-11-03T12:00:00Z", "2026-11-03T12:30:00Z");
    past.needing_review(lesson_on_meeting("t.abebe", "s.meron", 4), "2026-11-05T10:00:00Z");
  }
  auto school = dir.file("payroll.html");
  auto statement = dir.file("statement.html");
  REQUIRE(run_zoomtrack({"--db", db, "report", "--month", "2026-11", "--html", "-o", school}).exit_code == 0);
  REQUIRE(run_zoomtrack({"--db", db, "report", "--month", "2026-11", "--teacher", "t.abebe", "--html", "-o", statement})
              .exit_code == 0);
  Browser browser;

  SECTION("loaded at phone and desktop widths: nothing fetched, no console message, names shown as text") {
    for (int width : {390, 1280}) {
      auto dom = load(browser, school, width);
      CHECK(has(dom, "<h1>Payroll, 2026-11-01 – 2026-11-30</h1>"));
      CHECK(has(dom, "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&amp;co</bdi>"));
      CHECK(has(dom, "<bdi>محمد علي</bdi>"));
      CHECK(has(dom, "<svg class=\"chart\""));
    }
    auto png = dir.file("phone.png");
    browser.run({"--screenshot=" + png, "--window-size=390,844"}, school);
    CHECK(read_file(png).size() > 2048);
  }

  SECTION("printed to PDF: A4 pages with the figures and the names as text") {
    auto pdf = dir.file("payroll.pdf");
    browser.run({"--no-pdf-header-footer", "--print-to-pdf=" + pdf}, school);
    CHECK(browser.page_requests().empty());
    auto pages = pdf_pages(pdf);
    CHECK(pages >= 2);  // totals and charts, then lateness, review and adjustments
    CHECK(pages <= 4);
    auto text = pdf_text(pdf);
    CHECK(has(text, "Paid minutes per teacher"));
    CHECK(has(text, "<script>alert(1)</script>&co"));
    CHECK(has(text, "zoomtrack sessions end 4 --at END --reason REASON"));

    auto statement_pdf = dir.file("statement.pdf");
    browser.run({"--no-pdf-header-footer", "--print-to-pdf=" + statement_pdf}, statement);
    CHECK(pdf_pages(statement_pdf) == 1);
    auto statement_text = pdf_text(statement_pdf);
    CHECK(has(statement_text, "Statement for t.abebe"));
    CHECK(has(statement_text, "Total paid"));
    CHECK(!has(statement_text, "alert"));  // another teacher's lessons are not on it
  }

  SECTION("the checks catch a page that fetches and logs: a control") {
    auto leaky = dir.file("leaky.html");
    write_file(leaky, "<!doctype html><title>x</title><img src=\"https://example.org/logo.png\">"
                      "<script>console.error('boom')</script>");
    auto r = browser.run({"--dump-dom"}, leaky);
    CHECK(browser.page_requests() == std::vector<std::string>{"https://example.org/logo.png"});
    CHECK(has(r.err, ":CONSOLE"));
  }
}
