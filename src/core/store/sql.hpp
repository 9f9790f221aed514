#pragma once
// What the store's SQL runs on, whichever the engine: a statement with numbered parameters
// (`?`, `?N`) and the columns of its current row. SQLite and PostgreSQL each implement it
// (store/sqlite, store/postgres); the store's own files write their SQL once, against this.
// Errors come out as zt::Error with the store's codes: busy (try again within the busy
// timeout), storage (the database cannot take writes or cannot be reached), conflict (a
// constraint), runtime.
#include <cstdint>
#include <string>
#include <string_view>

namespace zt {

enum class SqlEngine { sqlite, postgres };

class SqlStatement;

// One column of the current row; valid until the statement steps again.
class SqlColumn {
 public:
  SqlColumn(SqlStatement& statement, int index) : statement_(statement), index_(index) {}
  bool isNull() const;
  int64_t getInt64() const;
  int getInt() const { return static_cast<int>(getInt64()); }
  double getDouble() const;
  std::string getString() const { return std::string(text()); }
  std::string_view text() const;  // empty for NULL
  std::string getName() const;

 private:
  SqlStatement& statement_;
  int index_;
};

class SqlStatement {
 public:
  virtual ~SqlStatement() = default;

  virtual void bind(int index, int64_t value) = 0;
  void bind(int index, int value) { bind(index, static_cast<int64_t>(value)); }
  virtual void bind(int index, double value) = 0;
  virtual void bind(int index, std::string_view value) = 0;
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  virtual void bind(int index) = 0;  // NULL
  // A value of whatever type its column has, given as text (copying rows between engines).
  virtual void bind_as_column(int index, std::string_view text) { bind(index, text); }

  // The next row; false once there is none.
  virtual bool executeStep() = 0;
  // Runs a statement that returns no rows; how many rows it changed.
  virtual int64_t exec() = 0;
  SqlColumn getColumn(int index) { return {*this, index}; }
  // How many columns a row has (known once the statement ran).
  virtual int columnCount() = 0;
  // Ready to run again: results dropped, bindings cleared.
  virtual void reset() = 0;

 private:
  friend class SqlColumn;
  virtual bool column_is_null(int index) = 0;
  virtual int64_t column_int64(int index) = 0;
  virtual double column_double(int index) = 0;
  virtual std::string_view column_text(int index) = 0;
  virtual std::string column_name(int index) = 0;
};

inline bool SqlColumn::isNull() const { return statement_.column_is_null(index_); }
inline int64_t SqlColumn::getInt64() const { return statement_.column_int64(index_); }
inline double SqlColumn::getDouble() const { return statement_.column_double(index_); }
inline std::string_view SqlColumn::text() const { return statement_.column_text(index_); }
inline std::string SqlColumn::getName() const { return statement_.column_name(index_); }

}  // namespace zt
