// Unit tests of the per-client rate limit of submissions (server/rate_limit.hpp).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "server/rate_limit.hpp"

using gebieden::server::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("rate limit: at most the limit per client in a sliding window", "[rate_limit]") {
  RateLimiter limiter(1h, 100);
  const auto t0 = RateLimiter::Clock::time_point{} + 24h;
  for (int i = 0; i < 5; ++i) CHECK(limiter.acquire("10.0.0.1", 5, t0 + i * 1min).allowed);
  // The 6th within the hour is refused until the first leaves the window (t0 + 1h).
  const auto sixth = limiter.acquire("10.0.0.1", 5, t0 + 10min);
  CHECK_FALSE(sixth.allowed);
  CHECK(sixth.retry_after == 50min);
  // Another client is not affected.
  CHECK(limiter.acquire("10.0.0.2", 5, t0 + 10min).allowed);
  // A refusal is not counted: once the first has left the window, one more is allowed.
  CHECK_FALSE(limiter.acquire("10.0.0.1", 5, t0 + 1h - 1s).allowed);
  CHECK(limiter.acquire("10.0.0.1", 5, t0 + 1h).allowed);
  CHECK_FALSE(limiter.acquire("10.0.0.1", 5, t0 + 1h + 30s).allowed);
  CHECK(limiter.acquire("10.0.0.1", 5, t0 + 1h + 1min).allowed);
}

TEST_CASE("rate limit: Retry-After is whole seconds, at least one", "[rate_limit]") {
  RateLimiter limiter(10s, 10);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  CHECK(limiter.acquire("a", 1, t0).allowed);
  auto d = limiter.acquire("a", 1, t0 + 9s + 500ms);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after == 1s);
  d = limiter.acquire("a", 1, t0 + 2s + 1ms);
  CHECK(d.retry_after == 8s);
  CHECK_FALSE(limiter.acquire("b", 0, t0).allowed);  // a limit of 0 refuses everything
}

TEST_CASE("rate limit: release gives back the event taken last", "[rate_limit]") {
  RateLimiter limiter(1h, 10);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  CHECK(limiter.acquire("a", 2, t0).allowed);
  CHECK(limiter.acquire("a", 2, t0 + 1s).allowed);
  CHECK_FALSE(limiter.acquire("a", 2, t0 + 2s).allowed);
  limiter.release("a");
  CHECK(limiter.acquire("a", 2, t0 + 3s).allowed);
  limiter.release("nobody");  // unknown: nothing happens
  CHECK(limiter.clients() == 1);
}

TEST_CASE("rate limit: a flood of distinct clients keeps the table bounded", "[rate_limit]") {
  RateLimiter limiter(1h, 50);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  CHECK(limiter.acquire("steady", 1, t0).allowed);
  for (int i = 0; i < 10000; ++i) {
    CHECK(limiter.acquire("flood-" + std::to_string(i), 1, t0 + 1s).allowed);
    if (i == 10) {
      // Seen recently, "steady" stays in the table and stays limited.
      CHECK_FALSE(limiter.acquire("steady", 1, t0 + 2s).allowed);
    }
  }
  CHECK(limiter.clients() == 50);
  // The least recently seen were forgotten: the first flood address may submit again.
  CHECK(limiter.acquire("flood-0", 1, t0 + 3s).allowed);
  CHECK_FALSE(limiter.acquire("flood-9999", 1, t0 + 3s).allowed);
}
