#include "manifest/definitions.h"

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

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

TEST_CASE("An asset definition copies its freshness policy with it") {
  AssetDef a;
  a.key = std::string("a");
  FreshnessPolicy policy;
  policy.maximum_lag_minutes = 60;
  a.freshness_policy = policy;
  AssetDef b = a;
  b.freshness_policy->maximum_lag_minutes = 1;
  CHECK(a.freshness_policy->maximum_lag_minutes == 60);
  CHECK(b.freshness_policy->maximum_lag_minutes == 1);
  AssetDef c;
  CHECK_FALSE(c.freshness_policy.has_value());
}

}  // namespace af
