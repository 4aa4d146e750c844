// A calibrated synthetic per-item workload, to build balanced and imbalanced loads.
// Part of common/; labs 2-5 and their benchmarks use it for the "imbalanced loop".
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parlab {

/// Does `units` units of CPU-bound work (a dependent chain of integer mixing steps that the
/// compiler can neither vectorise nor remove) and returns a value that depends on every step.
/// Deterministic: the same (units, salt) give the same result on every machine. Thread-safe.
std::uint64_t burn(std::uint64_t units, std::uint64_t salt = 0);

/// How many burn() units this machine does per microsecond, measured on first use (the median
/// of several timed runs) and cached. Meant for benchmarks that want costs in time; tests must
/// never depend on its value. Thread-safe.
double burn_units_per_microsecond();

/// Costs (in burn units) for `n` items that grow linearly with the index, from 1 to `max_units`:
/// the load where static halves leave one worker with three quarters of the work.
std::vector<std::uint32_t> linear_costs(std::size_t n, std::uint32_t max_units);

/// Costs for `n` items drawn from a heavy-tailed (Pareto, shape 1.5) distribution with the
/// given median, capped at 1000x the median, in random order; reproducible from `seed`.
/// @throws std::invalid_argument if median_units == 0.
std::vector<std::uint32_t> heavy_tailed_costs(std::size_t n, std::uint32_t median_units,
                                              std::uint64_t seed);

/// The sum of a cost vector, i.e. the sequential work in burn units.
std::uint64_t total_units(const std::vector<std::uint32_t>& costs);

}  // namespace parlab
