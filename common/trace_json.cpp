// Tracing of schedulers, the writer half (see trace.hpp): a trace as Chrome's trace-event JSON.
// Its own library (parlab_trace_json), so that only the programs that write a trace compile
// nlohmann/json, not every lab that records one. Part of common/.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "common/trace.hpp"

namespace parlab::trace {

void write_chrome_json(std::ostream& out, const std::vector<Event>& events,
                       const std::string& process_name) {
  using nlohmann::json;
  const std::int64_t origin = events.empty() ? 0 : events.front().begin_ns;
  const auto micros = [origin](std::int64_t ns) { return static_cast<double>(ns - origin) / 1e3; };
  json trace_events = json::array();
  trace_events.push_back(
      {{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", process_name}}}});
  std::set<std::uint32_t> workers;
  for (const Event& event : events) {
    workers.insert(event.worker);
  }
  for (const std::uint32_t worker : workers) {
    trace_events.push_back({{"ph", "M"},
                            {"pid", 1},
                            {"tid", worker},
                            {"name", "thread_name"},
                            {"args", {{"name", "worker " + std::to_string(worker)}}}});
  }
  for (const Event& event : events) {
    if (event.kind == EventKind::task) {
      trace_events.push_back({{"ph", "X"},
                              {"pid", 1},
                              {"tid", event.worker},
                              {"name", event.label},
                              {"ts", micros(event.begin_ns)},
                              {"dur", static_cast<double>(event.end_ns - event.begin_ns) / 1e3}});
    } else {
      trace_events.push_back({{"ph", "i"},
                              {"s", "t"},
                              {"pid", 1},
                              {"tid", event.worker},
                              {"name", "steal"},
                              {"ts", micros(event.begin_ns)},
                              {"args", {{"victim", event.other}}}});
    }
  }
  out << json{{"traceEvents", trace_events}, {"displayTimeUnit", "ms"}}.dump(1) << '\n';
}

}  // namespace parlab::trace
