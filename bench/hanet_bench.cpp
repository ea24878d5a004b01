// Google Benchmark cases for HANet (the compact configuration): eval-mode forward passes at batch 1
// and 64 and one training step (forward + hanet_loss + backward + AdamW/amsgrad) at batch 64.
// `kinepose bench hanet` prints the same measurements for every configuration as one table.
#include <benchmark/benchmark.h>

#include "models/hanet/hanet_benchmark.h"

namespace {

using kinepose::HanetConfig;
using kinepose::hanet::HanetBenchRunner;

void BM_HanetCompactForward(benchmark::State& state) {
  const HanetConfig c = HanetConfig::preset("compact");
  HanetBenchRunner runner(c, static_cast<int>(state.range(0)), 0);
  runner.forward();  // warm-up
  for (auto _ : state) runner.forward();
  state.SetItemsProcessed(state.iterations() * state.range(0));  // windows
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(0) *
                                                                      c.sample_interval),
                                                  benchmark::Counter::kIsRate);
  state.counters["params"] = static_cast<double>(runner.parameters());
}
BENCHMARK(BM_HanetCompactForward)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_HanetCompactTrainStep(benchmark::State& state) {
  HanetBenchRunner runner(HanetConfig::preset("compact"), static_cast<int>(state.range(0)), 0);
  runner.train_step();  // warm-up (optimiser state)
  for (auto _ : state) runner.train_step();
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HanetCompactTrainStep)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
