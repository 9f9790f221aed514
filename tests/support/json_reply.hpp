#pragma once
// How the fakes of Zoom's and Telegram's APIs answer: a status and a JSON body.
#include <httplib.h>

#include <nlohmann/json.hpp>

namespace zt::test {

inline void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace zt::test
