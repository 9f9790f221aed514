// POST /webhooks/zoom: arrives with the webhook work.
#include "http/server_impl.hpp"

namespace zt::http {

void register_webhook_routes(Server::Impl&) {}

}  // namespace zt::http
