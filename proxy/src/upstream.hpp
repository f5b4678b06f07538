// Connecting to the mail server: DNS, the deny-range check on every
// resolved address, TCP connect, then implicit TLS (RFC 8314 §3.3, port 995)
// or STARTTLS (RFC 2595 §4, the POP3 STLS command) or nothing, each phase
// under its own timeout.
#pragma once

#include "close_codes.hpp"
#include "config.hpp"
#include "stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace pop3ws::proxy {

struct UpstreamResult {
  std::unique_ptr<Stream> stream;  // set on success
  std::string greeting;            // STARTTLS: the server's greeting line, for the page
  std::optional<CloseReason> error;
  std::string detail;              // for the log line only
};

class UpstreamConnector {
 public:
  using Handler = std::function<void(UpstreamResult)>;
  virtual ~UpstreamConnector() = default;
  // Calls `h` exactly once, through the executor.
  virtual void async_connect(const Target& target, Handler h) = 0;
  virtual void cancel() = 0;
};

class ConnectorFactory {
 public:
  virtual ~ConnectorFactory() = default;
  virtual std::shared_ptr<UpstreamConnector> make(boost::asio::any_io_executor ex) = 0;
};

// The real connector's shared state: one TLS client context per configured
// target and one (system store) for allowlisted hosts.
class AsioConnectorFactory final : public ConnectorFactory {
 public:
  explicit AsioConnectorFactory(const Config& cfg);  // throws on unreadable CA files
  std::shared_ptr<UpstreamConnector> make(boost::asio::any_io_executor ex) override;
  boost::asio::ssl::context& context_for(const Target& t);
  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  std::map<std::string, std::shared_ptr<boost::asio::ssl::context>, std::less<>> contexts_;
  std::shared_ptr<boost::asio::ssl::context> default_context_;
};

}  // namespace pop3ws::proxy
