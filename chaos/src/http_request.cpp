#include "http_request.hpp"

#include <algorithm>
#include <cctype>

namespace chaoslab::chaos::detail {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const std::string* header(const std::map<std::string, std::string>& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (lower(k) == name) return &v;
  return nullptr;
}

bool is_json_media(const std::string* content_type) {
  if (!content_type) return false;
  std::string t = lower(content_type->substr(0, content_type->find(';')));
  t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
  return t == "application/json";
}

// How requests turns a Python value into a form or query field.
std::optional<std::string> field_text(const Json& v) {
  if (v.is_null()) return std::nullopt;  // requests drops None
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();  // numbers; nested values (a tolerance probe's input) as JSON text
}

std::string encode_fields(const Json& args) {
  std::string out;
  auto add = [&](const std::string& k, const Json& v) {
    const auto text = field_text(v);
    if (!text) return;
    if (!out.empty()) out += '&';
    out += form_encode(k) + "=" + form_encode(*text);
  };
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (it->is_array()) {
      for (const auto& e : *it) add(it.key(), e);
    } else {
      add(it.key(), *it);
    }
  }
  return out;
}

}  // namespace

std::string form_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpRequest build_http_request(const HttpCall& call, const std::optional<Json>& value, Duration default_timeout) {
  HttpRequest req;
  req.method = call.method;
  req.url = call.url;
  req.headers = call.headers;
  req.timeout = call.timeout.value_or(default_timeout);
  req.verify_tls = call.verify_tls;
  Json args = call.arguments;
  if (value) {
    if (!args.is_object()) args = Json::object();
    args["value"] = *value;
  }
  if (call.method == "GET") {
    if (args.is_object() && !args.empty()) {
      const std::string query = encode_fields(args);
      if (!query.empty()) req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + query;
    }
    return req;
  }
  if (args.is_null()) return req;
  if (args.is_string()) {
    req.body = args.get<std::string>();
  } else if (is_json_media(header(req.headers, "content-type"))) {
    req.body = args.dump();
  } else {
    req.body = encode_fields(args);
    if (!header(req.headers, "content-type")) req.headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  return req;
}

Json http_output(const HttpResponse& r) {
  Json headers = Json::object();
  for (const auto& [k, v] : r.headers) headers[k] = v;
  Json body = r.body;
  if (is_json_media(header(r.headers, "content-type"))) {
    Json parsed = Json::parse(r.body, nullptr, false);
    if (!parsed.is_discarded()) body = std::move(parsed);
  }
  return Json{{"status", r.status}, {"headers", std::move(headers)}, {"body", std::move(body)}};
}

}  // namespace chaoslab::chaos::detail
