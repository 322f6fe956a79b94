#include "json_util.hpp"

namespace chaoslab::chaos::detail {

Json to_plain(const OrderedJson& o) {
  switch (o.type()) {
    case OrderedJson::value_t::object: {
      Json j = Json::object();
      for (auto it = o.begin(); it != o.end(); ++it) j[it.key()] = to_plain(*it);
      return j;
    }
    case OrderedJson::value_t::array: {
      Json j = Json::array();
      for (const auto& e : o) j.push_back(to_plain(e));
      return j;
    }
    case OrderedJson::value_t::string:
      return o.get<std::string>();
    case OrderedJson::value_t::boolean:
      return o.get<bool>();
    case OrderedJson::value_t::number_integer:
      return o.get<std::int64_t>();
    case OrderedJson::value_t::number_unsigned:
      return o.get<std::uint64_t>();
    case OrderedJson::value_t::number_float:
      return o.get<double>();
    default:
      return nullptr;
  }
}

OrderedJson to_ordered(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      OrderedJson o = OrderedJson::object();
      for (auto it = j.begin(); it != j.end(); ++it) o[it.key()] = to_ordered(*it);
      return o;
    }
    case Json::value_t::array: {
      OrderedJson o = OrderedJson::array();
      for (const auto& e : j) o.push_back(to_ordered(e));
      return o;
    }
    case Json::value_t::string:
      return j.get<std::string>();
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
      return j.get<std::int64_t>();
    case Json::value_t::number_unsigned:
      return j.get<std::uint64_t>();
    case Json::value_t::number_float:
      return j.get<double>();
    default:
      return nullptr;
  }
}

}  // namespace chaoslab::chaos::detail
