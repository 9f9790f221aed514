#include "core/store/store.hpp"

#include <iterator>
#include <thread>

#include "core/store/internal.hpp"
#include "core/store/write_turn.hpp"
#include "core/util/database_url.hpp"

namespace zt {
namespace {

// Set while this thread runs a batch, so that a nested write joins it instead of waiting for it
// and reads see the batch's own changes.
thread_local const Store* writing_store = nullptr;
// What the body now running asked to do once its changes are committed.
thread_local std::vector<std::function<void()>>* body_after_commit = nullptr;

}  // namespace

const Store* store_writing_on_this_thread() { return writing_store; }

void bind_time(SqlStatement& q, int index, const std::optional<TimePoint>& t) {
  if (t) q.bind(index, format_utc(*t));
  else q.bind(index);
}

std::optional<TimePoint> time_column(const SqlColumn& c) {
  if (c.isNull()) return std::nullopt;
  return parse_utc(c.text());  // in place: a copy of every time read would be an allocation
}

TimePoint required_time(const SqlColumn& c) {
  auto t = time_column(c);
  if (!t) throw Error(ErrorCode::runtime, fmt::format("bad time in column {}", c.getName()));
  return *t;
}

Store::Query::Query(Connection& connection, const std::string& sql) : idle_(connection.idle_statements_[sql]) {
  statement_ = idle_ ? std::move(idle_) : connection.prepare(sql);
}

Store::Query::~Query() {
  statement_->reset();
  if (!idle_) idle_ = std::move(statement_);
}

Store::Store(const std::string& path, StoreOptions options)
    : path_(is_database_url(path) ? redact_database_url(path) : path),
      options_(options),
      engine_kind_(is_database_url(path) ? SqlEngine::postgres : SqlEngine::sqlite),
      engine_(engine_kind_ == SqlEngine::postgres ? postgres_engine(path, options) : sqlite_engine(path, options)) {
  if (engine_kind_ == SqlEngine::postgres && options_.max_readers == 0) options_.max_readers = 16;
  writer_ = engine_->open_writer();
}

Store::~Store() = default;

std::unique_ptr<Store::Connection> Store::take_reader() {
  std::unique_lock lock(readers_mutex_);
  auto give_up_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  while (idle_readers_.empty() && options_.max_readers && open_readers_ >= options_.max_readers) {
    if (reader_returned_.wait_until(lock, give_up_at) == std::cv_status::timeout && idle_readers_.empty() &&
        open_readers_ >= options_.max_readers) {
      throw Error(ErrorCode::busy, "every database connection is busy", "try again, or allow more connections");
    }
  }
  if (!idle_readers_.empty()) {
    auto reader = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return reader;
  }
  ++open_readers_;
  lock.unlock();
  try {
    return engine_->open_reader();
  } catch (...) {
    lock.lock();
    --open_readers_;
    reader_returned_.notify_one();
    throw;
  }
}

void Store::give_back_reader(std::unique_ptr<Connection> reader) {
  {
    std::lock_guard lock(readers_mutex_);
    // One lost with its server is dropped: the next read opens a new one.
    if (reader && reader->usable()) idle_readers_.push_back(std::move(reader));
    else --open_readers_;
  }
  reader_returned_.notify_one();
}

Store::Connection& Store::writer() {
  if (!writer_ || !writer_->usable()) {
    writer_.reset();
    writer_ = engine_->open_writer();
  }
  return *writer_;
}

std::unique_ptr<Store::RunLock> Store::lock_run(const std::string& job, std::chrono::milliseconds wait) {
  auto give_up_at = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (auto lock = engine_->try_lock_run(job)) return lock;
    if (std::chrono::steady_clock::now() >= give_up_at) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Store::copy_to(const std::string& path) { engine_->copy_to(*this, path); }

void Store::Engine::read(Store& store, const std::function<void(Connection&)>& body) { store.read(body); }

// One write waiting in the group-commit queue. Its thread sleeps on its own turn and is woken
// once: when its batch is committed, or when it is its turn to lead the next batch. (A shared
// condition variable woke every waiter at each commit and made them fight for the queue's mutex:
// a third of serve's CPU under a click load.) Shared, so that the leader may still wake it after
// the waiter has returned.
struct Store::PendingWrite {
  PendingWrite(const std::function<void()>& body, WriteOrder order) : body(body), order(order) {}

  const std::function<void()>& body;
  WriteOrder order;
  std::exception_ptr error;  // set by the leader before it sets the turn
  WriteTurn turn;
};

void Store::after_commit(std::function<void()> action) {
  if (body_after_commit) body_after_commit->push_back(std::move(action));
  else action();
}

void Store::write(const std::function<void()>& body, WriteOrder order) {
  if (writing_store == this) {
    if (order == WriteOrder::serial) order_writes();
    return body();
  }
  auto pending = std::make_shared<PendingWrite>(body, order);
  bool lead;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(pending);
    lead = !committing_;
    committing_ = true;
  }
  if (lead || pending->turn.wait() == WriteTurn::lead) lead_batch();
  if (pending->error) std::rethrow_exception(pending->error);
}

// Commits everything queued so far (the leader's own write included) in one transaction, then
// hands the lead to the first write queued meanwhile, if any, and wakes the batch.
void Store::lead_batch() {
  std::vector<std::shared_ptr<PendingWrite>> batch;
  {
    std::lock_guard lock(queue_mutex_);
    batch.swap(queue_);
  }
  commit_batch(batch);
  std::shared_ptr<PendingWrite> next_leader;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.empty()) committing_ = false;
    else next_leader = queue_.front();
  }
  if (next_leader) next_leader->turn.set(WriteTurn::lead);
  for (auto& pending : batch) pending->turn.set(WriteTurn::committed);
}

namespace {

bool is_busy(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    return e.code() == ErrorCode::busy;
  } catch (...) {
    return false;
  }
}

// Busy, or the database takes no writes now (read-only, disk full, the server gone): the
// transaction's failure, which every body in it would meet, not one body's own.
bool fails_the_transaction(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    return e.code() == ErrorCode::busy || e.code() == ErrorCode::storage;
  } catch (...) {
    return false;
  }
}

}  // namespace

// SQLite returns BUSY without calling the busy handler in a few WAL cases: a transaction that
// needs the WAL index while another connection runs a checkpoint or restarts the WAL (reconcile's
// batches), a read snapshot gone stale before the first write. PostgreSQL reports a deadlock or
// a lock timeout the same way. Nothing was committed then, so the batch is run again, within the
// busy timeout, rather than send its clicks to the spool.
void Store::commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch) {
  std::lock_guard lock(writer_mutex_);
  auto give_up_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  for (;;) {
    auto failure = try_commit_batch(batch);
    if (!failure) return;
    if (is_busy(failure) && std::chrono::steady_clock::now() < give_up_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    // Whatever the failure, every write of the batch is told, or its thread would wait forever.
    for (auto& pending : batch) {
      if (!pending->error) pending->error = failure;
    }
    return;
  }
}

// One attempt: nullptr once committed (each body's own error is its own); else why the whole
// transaction failed, with nothing committed and no body's error kept.
//
// The bodies run without a savepoint each: on a network database a savepoint and its release
// are two round trips per body, as many as a click's own statements. When a body throws, the
// transaction is rolled back instead and run again without it, which undoes that body alone
// as its savepoint would have; bodies are run again anyway when the batch is busy.
std::exception_ptr Store::try_commit_batch(const std::vector<std::shared_ptr<PendingWrite>>& batch) {
  for (auto& pending : batch) pending->error = nullptr;
  for (;;) {
    writing_store = this;
    batch_ordered_ = false;
    std::vector<std::function<void()>> committed_actions;
    Connection* writer_connection = nullptr;
    bool body_failed = false;
    try {
      writer_connection = &writer();
      auto& w = *writer_connection;
      engine_->begin_write(w);
      for (auto& pending : batch) {
        if (pending->error) continue;  // failed in an earlier run of this batch: left out
        std::vector<std::function<void()>> actions;
        body_after_commit = &actions;
        try {
          if (pending->order == WriteOrder::serial) order_writes();
          pending->body();
        } catch (...) {
          // Busy: the whole batch is retried. No writes now: every body is told at once.
          if (fails_the_transaction(std::current_exception())) throw;
          pending->error = std::current_exception();
          body_failed = true;
          break;
        }
        body_after_commit = nullptr;
        std::move(actions.begin(), actions.end(), std::back_inserter(committed_actions));
      }
      body_after_commit = nullptr;
      if (body_failed) engine_->rollback_write(w);
      else engine_->commit_write(w);
    } catch (...) {
      // The transaction itself failed (busy, disk full, the server gone): nothing was committed.
      if (writer_connection) engine_->rollback_write(*writer_connection);
      body_after_commit = nullptr;
      writing_store = nullptr;
      for (auto& pending : batch) pending->error = nullptr;
      return std::current_exception();
    }
    writing_store = nullptr;
    if (body_failed) continue;
    for (auto& action : committed_actions) action();
    return nullptr;
  }
}

bool Store::order_writes() {
  if (writing_store != this || batch_ordered_) return false;
  batch_ordered_ = true;
  return engine_->order_writes(*writer_);
}

void Store::attempt(const std::function<void()>& body) {
  if (writing_store != this) return write(body);
  size_t actions_before = body_after_commit ? body_after_commit->size() : 0;
  Query(*writer_, "SAVEPOINT attempt")->exec();
  try {
    body();
    Query(*writer_, "RELEASE attempt")->exec();
  } catch (...) {
    Query(*writer_, "ROLLBACK TO attempt")->exec();
    Query(*writer_, "RELEASE attempt")->exec();
    if (body_after_commit) body_after_commit->resize(actions_before);
    throw;
  }
}

void Store::probe_write(TimePoint now) {
  change([&](Connection& c) {
    Query q(c, "INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at");
    q->bind(1, format_utc(now));
    q->exec();
  });
}

}  // namespace zt
