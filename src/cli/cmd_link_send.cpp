#include <fmt/format.h>

#include <iostream>
#include <limits>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "cli/telegram.hpp"
#include "core/util/error.hpp"
#include "core/util/json_limits.hpp"

namespace zt::cli {
namespace {

struct SendOptions {
  std::string id;  // decimal: see cli/numbers.hpp
  std::string telegram_chat, teacher_telegram_chat;
  std::optional<std::string> tz, telegram_token_file;
  bool json = false;
};

void send_links(Context& ctx, const SendOptions& o) {
  ctx.config({{"tz", o.tz}, {"telegram_token_file", o.telegram_token_file}});
  auto id = parse_decimal(o.id, "lesson id", 1, std::numeric_limits<int64_t>::max());
  TelegramSender telegram(ctx);  // no token: refused before anything is queued
  auto ids = ctx.lessons().send_telegram_again(id, o.telegram_chat, o.teacher_telegram_chat);
  auto deliveries = telegram.send_now(ctx, ids);
  if (o.json) {
    nlohmann::json j = {{"id", id}};
    add_telegram_json(j, deliveries);
    std::cout << json_text(j) << "\n";
  } else {
    std::cout << fmt::format("lesson {}\n", id);
    for (const auto& d : deliveries) std::cout << "telegram:     " << describe(d) << "\n";
  }
  warn_unsent(ctx, deliveries);
}

}  // namespace

void add_link_send_command(CLI::App& link, Context& ctx) {
  auto o = std::make_shared<SendOptions>();
  auto* cmd = link.add_subcommand("send", "send a lesson's links on Telegram again (new messages)");
  cmd->add_option("id", o->id, "lesson id (decimal)")->required()->type_name("ID");
  cmd->add_option("--telegram-chat", o->telegram_chat, "the student's chat (default: the chat used before)");
  cmd->add_option("--teacher-telegram-chat", o->teacher_telegram_chat, "the teacher's chat (default: the chat used before)");
  add_telegram_token_flag(*cmd, o->telegram_token_file);
  cmd->add_option("--tz", o->tz, "time zone for the scheduled time in the messages (default UTC)");
  cmd->add_flag("--json", o->json, "print JSON: {\"id\", \"telegram\", \"telegram_deliveries\"}");
  cmd->footer(
      "Without chats, the links go again to the chats they went to before.\n"
      "Examples:\n"
      "  zoomtrack link send 42\n"
      "  zoomtrack link send 42 --telegram-chat 123456789 --json");
  cmd->callback([&ctx, o] { send_links(ctx, *o); });
}

}  // namespace zt::cli
