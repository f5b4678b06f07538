#include "annotations.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "exit_codes.hpp"

namespace pop3ws::cli {

std::string_view embedded_pop3_annotations();  // annotations_data.cpp, generated

Lang lang_from_environment() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) return std::string_view(v).rfind("zh", 0) == 0 ? Lang::Zh : Lang::En;
  }
  return Lang::En;
}

struct Annotations::Data {
  nlohmann::json json;
};

Annotations::Annotations(Lang lang) : lang_(lang) {
  auto d = std::make_shared<Data>();
  d->json = nlohmann::json::parse(embedded_pop3_annotations(), nullptr, /*allow_exceptions=*/false);
  if (d->json.is_discarded() || !d->json.is_object())
    throw CliError(Exit::Internal, "the embedded protocol annotations do not parse");
  data_ = std::move(d);
}

std::optional<Note> Annotations::find(std::string_view section, std::string_view key) const {
  const auto& j = data_->json;
  const auto s = j.find(std::string(section));
  if (s == j.end() || !s->is_object()) return std::nullopt;
  const auto e = s->find(std::string(key));
  if (e == s->end() || !e->is_object()) return std::nullopt;
  Note n;
  const char* lang = lang_ == Lang::Zh ? "zh" : "en";
  n.text = e->value(lang, e->value("en", std::string()));
  n.rfc = e->value("rfc", std::string());
  if (auto st = e->find("states"); st != e->end() && st->is_array())
    for (const auto& x : *st)
      if (x.is_string()) n.states.push_back(x.get<std::string>());
  n.usage = e->value("usage", std::string());
  return n;
}

std::vector<std::string> Annotations::keys(std::string_view section) const {
  std::vector<std::string> out;
  const auto& j = data_->json;
  if (const auto s = j.find(std::string(section)); s != j.end() && s->is_object())
    for (const auto& [k, v] : s->items()) out.push_back(k);
  return out;
}

}  // namespace pop3ws::cli
