// What coordinator algorithms tell problem `demand` beyond the decisions played: the price users pay
// (Table I's average cost C̄, algorithms.md §12). A family that wants it implements this interface next to
// Problem; algorithms find it with dynamic_cast and skip it when absent.
#pragma once

namespace dodge::problems {

class DemandPrices {
 public:
  virtual ~DemandPrices() = default;
  // The price λ(t) every user pays at the step about to end (call before EndStep(t)). Not collective; the
  // same value on every rank.
  virtual void SetUniformPrice(double price) = 0;
  // Graph algorithms: the price each local user pays at the step about to end, its own multiplier estimate
  // from the previous step (0 at t = 1). Not collective; `price` has one entry per local agent.
  virtual void SetAgentPrices(const double *price) = 0;
};

}  // namespace dodge::problems
