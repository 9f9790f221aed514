// LessonService and the click spool: clicks the database could not take, spooled or held in
// memory, and stored later, each in its own savepoint, the ones that cannot be stored rejected.
#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/services/lesson_service.hpp"

namespace zt {

bool LessonService::cannot_write_now(const Error& e) {
  return e.code() == ErrorCode::storage || e.code() == ErrorCode::busy;
}

void LessonService::spool_or_hold(const SpooledClick& spooled, int64_t lesson_id, const std::string& why) {
  auto warn = [&](const std::string& message) {
    if (on_warning_) on_warning_(message);
  };
  {
    // Behind clicks held before it, in order, when there are any.
    std::lock_guard lock(held_mutex_);
    if (held_.empty()) {
      try {
        spool_.append(spooled);
        warn(fmt::format("click on lesson {} spooled to {} ({}): it is stored once the database takes writes",
                         lesson_id, spool_.path(), why));
        return;
      } catch (const Error& e) {
        warn(fmt::format("click on lesson {} cannot be spooled either ({})", lesson_id, e.what()));
      }
    }
    if (held_.size() >= max_held_clicks) {
      throw Error(ErrorCode::storage,
                  fmt::format("cannot store or spool the click, and {} clicks are already held in memory", held_.size()));
    }
    held_.push_back(spooled);
  }
  warn(fmt::format("NOTHING CAN BE WRITTEN: click on lesson {} held in memory ({} held); it is stored as soon as "
                   "the disk has room again. Free disk space beside {} now",
                   lesson_id, held_clicks(), spool_.path()));
}

size_t LessonService::held_clicks() const {
  std::lock_guard lock(held_mutex_);
  return held_.size();
}

void LessonService::store_held_clicks(TimePoint now) {
  std::lock_guard lock(held_mutex_);
  if (held_.empty()) return;
  // To the spool when it has room again, so that they survive a restart; else straight into the
  // database, when it takes writes and the spool does not.
  try {
    while (!held_.empty()) {
      spool_.append(held_.front());
      held_.pop_front();
    }
    return;
  } catch (const Error&) {
  }
  std::vector<SpooledClick> clicks(held_.begin(), held_.end());
  auto refusals = store_spooled_batch(clicks, now);
  for (size_t i = 0; i < refusals.size(); ++i) {
    if (!refusals[i].empty() && on_warning_) on_warning_(fmt::format("held click refused: {}", refusals[i]));
  }
  held_.clear();
}

std::vector<std::string> LessonService::store_spooled_batch(const std::vector<SpooledClick>& clicks, TimePoint now) {
  std::vector<std::string> refusals(clicks.size());
  store_.write([&] {
    for (size_t i = 0; i < clicks.size(); ++i) {
      refusals[i].clear();
      // Its own savepoint: a refused click undoes only itself.
      try {
        store_.attempt([&] { store_spooled(clicks[i], now); });
      } catch (const Error& e) {
        if (cannot_write_now(e)) throw;
        refusals[i] = e.what();
      } catch (const std::exception& e) {
        refusals[i] = e.what();
      }
    }
  });
  return refusals;
}

namespace {

// A spool line's fields are ours, written by serve: anything else was damaged or forged.
void check_spooled_fields(const SpooledClick& s) {
  auto invalid = [](const std::string& what) { throw Error(ErrorCode::invalid_argument, what); };
  if (s.id.empty() || s.id.size() > 64) invalid("invalid spool id");
  if (s.click.kind != to_string(ClickKind::real) && s.click.kind != to_string(ClickKind::preview)) {
    invalid(fmt::format("invalid click kind '{}'", s.click.kind.substr(0, 40)));
  }
  if (s.click.method != "GET" && s.click.method != "HEAD") {
    invalid(fmt::format("invalid method '{}'", s.click.method.substr(0, 40)));
  }
  if (s.click.ip.size() > 64) invalid("invalid client address");
}

}  // namespace

void LessonService::store_spooled(const SpooledClick& spooled, TimePoint now) {
  auto lesson = store_.find_lesson_by_track_token(spooled.track_token);
  if (!lesson) throw Error(ErrorCode::not_found, "unknown tracking token");
  check_spooled_fields(spooled);
  check_click_time(spooled.click.at, lesson->created_at, now);
  apply_click(*lesson, spooled.click, spooled.id);
}

SpoolReplay LessonService::replay_spool() {
  auto now = clock_.now();
  spool_.top_up_reserve();
  SpoolReplay result;
  try {
    result = spool_.replay([&](const std::vector<SpooledClick>& clicks) { return store_spooled_batch(clicks, now); });
  } catch (const Error&) {
    // The spool file itself may be what cannot be written: clicks held in memory still go
    // straight to the database when it takes them (the start is the earliest click, whatever
    // the order they arrive in).
    store_held_clicks(now);
    throw;
  }
  // After the spool's lines: they are newer.
  store_held_clicks(now);
  if (on_warning_) {
    for (const auto& why : result.rejections) on_warning_(fmt::format("spooled click rejected to {}: {}", spool_.rejected_path(), why));
    if (result.rejected > result.rejections.size()) {
      on_warning_(fmt::format("{} more spooled clicks rejected to {}", result.rejected - result.rejections.size(),
                              spool_.rejected_path()));
    }
  }
  return result;
}

StorageHealth LessonService::check_storage() {
  StorageHealth health;
  try {
    if (spooled_clicks() > 0 || !spool_.reserve_held()) replay_spool();
    store_.probe_write(clock_.now());
    health.takes_writes = true;
  } catch (const Error& e) {
    health.problem = e.what();
  }
  health.spooled_clicks = spooled_clicks();
  health.held_clicks = held_clicks();
  health.spool_reserve_held = spool_.reserve_held();
  return health;
}

}  // namespace zt
