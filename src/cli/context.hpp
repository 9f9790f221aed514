#pragma once
// What every subcommand shares: global flags, the resolved configuration, the store.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/util/config.hpp"
#include "core/services/lesson_service.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace zt::cli {

struct GlobalOptions {
  std::optional<std::string> db;
  std::optional<std::string> config_file;
  bool quiet = false;
  bool verbose = false;
};

class Context {
 public:
  explicit Context(const GlobalOptions& globals) : globals_(globals) {}

  // Resolves flags > env > config file > defaults. `flags` holds the command's own setting flags.
  const Config& config(const std::map<std::string, std::optional<std::string>>& flags = {});
  // Opens the database. Only commands that called allow_create_database() (init, link create,
  // serve) create a missing one; the others fail with "no zoomtrack database at PATH".
  Store& store();
  void allow_create_database() { may_create_database_ = true; }
  // How stores are opened: the busy timeout from the settings (and whether --db may be created).
  StoreOptions store_options();
  LessonService& lessons();
  // What lessons() is made with, from the settings alone: no database is opened.
  ServiceOptions service_options();
  // Installed into the LessonService when lessons() first creates it.
  void set_transition_hook(TransitionHook hook) { transition_hook_ = std::move(hook); }
  const Clock& clock() const { return clock_; }
  std::string time_zone();

  // Messages for people go to stderr; -q silences them.
  void info(const std::string& message) const;
  bool quiet() const { return globals_.quiet; }
  bool verbose() const { return globals_.verbose; }

 private:
  void describe_settings(const std::string& file) const;

  const GlobalOptions& globals_;
  std::optional<Config> config_;
  std::unique_ptr<Store> store_;
  bool may_create_database_ = false;
  std::unique_ptr<LessonService> lessons_;
  TransitionHook transition_hook_;
  SystemClock clock_;
};

// The environment as a map, for config resolution.
std::map<std::string, std::string> process_environment();

}  // namespace zt::cli
