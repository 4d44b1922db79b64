#include "manifest/definitions.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace af {

TEST_CASE("HeapOptional behaves as std::optional, with its value out of line") {
  HeapOptional<FreshnessPolicy> none;
  CHECK_FALSE(none.has_value());
  CHECK_FALSE(static_cast<bool>(none));
  CHECK_THROWS_AS(none.value(), std::bad_optional_access);
  CHECK(sizeof(none) == sizeof(void*));

  FreshnessPolicy policy;
  policy.maximum_lag_minutes = 30;
  policy.cron_schedule = std::string("0 * * * *");
  HeapOptional<FreshnessPolicy> set = policy;
  REQUIRE(set.has_value());
  CHECK(set->maximum_lag_minutes == 30);
  CHECK((*set).cron_schedule == "0 * * * *");

  HeapOptional<FreshnessPolicy> copy = set;  // deep: changing one leaves the other
  copy->maximum_lag_minutes = 5;
  CHECK(set->maximum_lag_minutes == 30);
  CHECK(copy->maximum_lag_minutes == 5);
  copy = set;
  CHECK(copy->maximum_lag_minutes == 30);
  copy = none;
  CHECK_FALSE(copy.has_value());

  HeapOptional<FreshnessPolicy> moved = std::move(set);
  CHECK(moved.has_value());
  moved = std::nullopt;
  CHECK_FALSE(moved.has_value());
  moved = policy;
  CHECK(moved.value().cron_schedule == "0 * * * *");
  moved.reset();
  CHECK_FALSE(moved);
}

// The loader reorders and the vector regrows 100,000 of them: moves, never copies.
static_assert(std::is_nothrow_move_constructible_v<AssetDef>);
static_assert(std::is_nothrow_move_assignable_v<AssetDef>);

TEST_CASE("An asset's rarely set fields: none set, no block; copies deep-copy the block") {
  AssetDef a;
  a.key = std::string("a");
  CHECK(&a.details() == &AssetDef().details());  // one shared empty default
  CHECK(a.details().tags.empty());
  CHECK_FALSE(a.details().freshness_policy.has_value());
  CHECK_FALSE(a.details().timeout_seconds.has_value());

  FreshnessPolicy policy;
  policy.maximum_lag_minutes = 60;
  a.mutable_details().freshness_policy = policy;
  a.mutable_details().tags["team"] = "data";
  CHECK(&a.details() != &AssetDef().details());  // its own now
  CHECK(&a.mutable_details() == &a.details());   // created once
  AssetDef b = a;
  b.mutable_details().freshness_policy->maximum_lag_minutes = 1;
  b.mutable_details().tags["team"] = "viz";
  CHECK(a.details().freshness_policy->maximum_lag_minutes == 60);
  CHECK(a.details().tags.at("team") == "data");
  CHECK(b.details().freshness_policy->maximum_lag_minutes == 1);
  CHECK(b.details().tags.at("team") == "viz");
  b = AssetDef();
  CHECK(&b.details() == &AssetDef().details());
  CHECK(a.details().tags.at("team") == "data");
}

TEST_CASE("An asset's key segments come from its key") {
  AssetDef a;
  a.key = std::string("reports/daily/top-10");
  CHECK(a.segments() == std::vector<std::string_view>{"reports", "daily", "top-10"});
  a.key = std::string("one");
  CHECK(a.segments() == std::vector<std::string_view>{"one"});
  CHECK(SplitKeySegments("a//b") == std::vector<std::string_view>{"a", "", "b"});
}

TEST_CASE("An asset's config keys: empty when its type marks none, else the type's block") {
  AssetDef a;
  CHECK(a.unversioned_config_keys().empty());
  CHECK(a.secret_config_keys().empty());
  a.config_keys = std::make_shared<const ConfigKeys>(
      ConfigKeys{.unversioned = {"concurrency"}, .secret = {"api_key", "token"}});
  AssetDef b = a;  // shares the immutable block
  CHECK(b.config_keys == a.config_keys);
  CHECK(b.unversioned_config_keys() == std::vector<std::string>{"concurrency"});
  CHECK(b.secret_config_keys() == std::vector<std::string>{"api_key", "token"});
}

}  // namespace af
