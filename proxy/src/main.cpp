// pop3ws-proxy: a WebSocket to POP3 relay that also serves the web app.
// See docs/self-hosting.md for the configuration reference.
#include "config.hpp"
#include "server.hpp"
#include "upstream.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

using namespace pop3ws::proxy;

int main(int argc, char** argv) {
  CLI::App app{"pop3ws-proxy: WebSocket to POP3 relay for the pop3ws web app"};
  std::string config_file;
  std::vector<std::string> listen, origins;
  std::optional<int> threads;
  std::string web_root, log_level;
  bool check = false;
  app.add_option("-c,--config", config_file, "TOML configuration file");
  app.add_option("-l,--listen", listen, "listen address host:port, [v6]:port or *:port (replaces the file's list)");
  app.add_option("-t,--threads", threads, "event loop threads (default 1)")->check(CLI::Range(1, 256));
  app.add_option("--web-root", web_root, "directory of the web app to serve");
  app.add_option("--allow-origin", origins, "allowed Origin (replaces the file's list)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off");
  app.add_flag("--check-config", check, "validate the configuration, print every error with its line, and exit");
  app.set_version_flag("--version", "pop3ws-proxy 0.1.0");
  CLI11_PARSE(app, argc, argv);

  ConfigResult res;
  const std::string file = config_file.empty() ? "<command line>" : config_file;
  if (!config_file.empty()) res = load_config_file(config_file);
  Config& cfg = res.config;
  // Command line values replace the file's, and their line numbers with them.
  if (!listen.empty()) cfg.listen = listen, cfg.lines.erase("listen");
  if (threads) cfg.threads = *threads, cfg.lines.erase("threads");
  if (!web_root.empty()) cfg.http.web_root = web_root, cfg.lines.erase("http.web_root");
  if (!origins.empty()) cfg.allowed_origins = origins, cfg.lines.erase("allowed_origins");
  if (!log_level.empty()) cfg.log_level = log_level, cfg.lines.erase("log_level");
  if (res.errors.empty() || !config_file.empty()) validate_config(cfg, file, res.errors);
  if (res.ok()) {
    try {
      AsioConnectorFactory probe(cfg);  // loads every CA file the way the server will
    } catch (const std::exception& e) {
      res.errors.push_back({file, 0, e.what()});
    }
  }
  if (!res.ok()) {
    std::stable_sort(res.errors.begin(), res.errors.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    for (const auto& e : res.errors) std::cerr << e.to_string() << '\n';
    std::cerr << res.errors.size() << (res.errors.size() == 1 ? " error" : " errors") << " in the configuration\n";
    return 2;
  }
  if (check) {
    std::cout << file << ": configuration OK (" << cfg.targets.size() << " targets, " << cfg.listen.size()
              << " listen addresses)\n";
    return 0;
  }

  auto logger = spdlog::stderr_logger_mt("pop3ws-proxy");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(cfg.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  try {
    Server server(std::move(cfg));
    return server.run();
  } catch (const std::exception& e) {
    spdlog::critical("event=fatal error=\"{}\"", e.what());
    return 1;
  }
}
