// Model-check scenarios as GoogleTest tests: runs a Relacy test suite over the labs' code (built
// against common/sync.hpp in model mode) and turns a failing execution into a report in the
// student's terms. Test-only, part of common/testing; used by the tests labelled `model`.
#pragma once

#if !defined(PARLAB_SYNC_MODEL)
#error "common/testing/model.hpp is for model-check tests (built with PARLAB_SYNC_MODEL)"
#endif

#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "common/not_implemented.hpp"
#include "common/sync.hpp"

namespace parlab::testing::model {

/// How to explore: every interleaving and every allowed stale read (full), or a fixed number of
/// random executions from a fixed seed (random: the same executions on every run).
enum class Search { full, random };

/// A scenario's budget and the names of its threads ("owner", "thief", ...).
struct Options {
  Search search = Search::full;        ///< full or random search
  unsigned long iterations = 100'000;  ///< random: executions; full: an upper bound
  std::vector<std::string> roles;      ///< roles[i] names thread i in the report
};

/// What one model check found.
struct Outcome {
  bool passed = false;           ///< no execution broke the scenario's invariant
  bool not_implemented = false;  ///< the student's code threw NotImplemented (a starter)
  unsigned long iterations = 0;  ///< executions explored (to the failing one, if any)
  std::string verdict;           ///< Relacy's one-line reason ("USER ASSERT FAILED (...)")
  std::string story;             ///< the failing execution in the code's terms
  std::string raw;               ///< Relacy's own output: the history, thread by thread
  std::string message;           ///< the failing scenario's own explanation (see fail())
};

namespace detail {

// Memory allocated inside a Relacy simulation is Relacy's (it replaces operator new there) and
// must not be freed outside it, and the other way round. So everything the simulation writes
// for us to read afterwards goes into storage allocated before it starts: a fixed buffer.
class FixedBuffer : public std::streambuf {
 public:
  explicit FixedBuffer(std::size_t size) : data_(std::make_unique<char[]>(size)) {
    setp(data_.get(), data_.get() + size);
  }
  [[nodiscard]] std::string text() const { return {pbase(), pptr()}; }

 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }  // truncates

 private:
  std::unique_ptr<char[]> data_;
};

/// A message written from inside the simulation (a NotImplemented, a scenario's explanation).
struct Note {
  std::array<char, 2048> text{};
  bool set = false;
  void write(const char* message) noexcept {
    std::snprintf(text.data(), text.size(), "%s", message);
    set = true;
  }
};
inline Note not_implemented_note;
inline Note failure_note;

/// The source line `line` of `file`, or "" (cached: histories repeat lines).
/// A relative file name (ccache's base_dir makes them so) is relative to the build folder,
/// where the compiler ran: PARLAB_MODEL_BUILD_DIR, set by parlab_add_lab.
inline std::string source_line(const std::string& file, unsigned line) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto found = cache.find(file);
  if (found == cache.end()) {
    std::vector<std::string> lines;
    std::ifstream in(file);
#if defined(PARLAB_MODEL_BUILD_DIR)
    if (!in && !file.empty() && file[0] != '/') {
      in.open(std::string(PARLAB_MODEL_BUILD_DIR) + "/" + file);
    }
#endif
    for (std::string text; std::getline(in, text);) {
      lines.push_back(text);
    }
    found = cache.emplace(file, std::move(lines)).first;
  }
  return line >= 1 && line <= found->second.size() ? found->second[line - 1] : std::string();
}

/// The variable an atomic operation on `text` (a source line) acts on: `top_` for
/// `top_.value.load(...)`, `state_` for `state_.store(...)`. Empty if none is recognisable.
inline std::string variable_in(const std::string& text, const std::string& operation) {
  const std::regex plain("([A-Za-z_][A-Za-z0-9_]*)(?:\\.value)?(?:->|\\.)" + operation + "\\s*\\(");
  const std::regex indexed("([A-Za-z_][A-Za-z0-9_]*)\\[.*\\](?:->|\\.)" + operation + "\\s*\\(");
  std::smatch match;
  if (std::regex_search(text, match, plain)) {
    return match[1];
  }
  if (std::regex_search(text, match, indexed)) {
    return match[1].str() + "[i]";
  }
  return {};
}

inline std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// "bool parlab::steal::ChaseLevDeque<T>::pop() [with T = int]" -> "ChaseLevDeque::pop".
inline std::string short_function(const std::string& function) {
  std::string name = function;
  if (const auto with = name.find(" [with"); with != std::string::npos) {
    name = name.substr(0, with);
  }
  if (const auto paren = name.find('('); paren != std::string::npos) {
    name = name.substr(0, paren);
  }
  if (const auto space = name.rfind(' '); space != std::string::npos) {
    name = name.substr(space + 1);
  }
  // Drop namespaces and template arguments: keep Class::function.
  std::string out;
  int depth = 0;
  for (const char c : name) {
    if (c == '<') {
      ++depth;
    } else if (c == '>') {
      --depth;
    } else if (depth == 0) {
      out += c;
    }
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto next = out.find("::", start);
    parts.push_back(
        out.substr(start, next == std::string::npos ? std::string::npos : next - start));
    if (next == std::string::npos) {
      break;
    }
    start = next + 2;
  }
  if (parts.size() >= 2) {
    return parts[parts.size() - 2] + "::" + parts.back();
  }
  return parts.back();
}

/// Rewrites Relacy's execution history into sentences: who did what to which variable, with
/// the value seen and whether it was the newest one.
inline std::string tell(const std::string& raw, const std::vector<std::string>& roles) {
  // "[12] 1: <0x55..> atomic load, value=0 [NOT CURRENT], order=relaxed, in f, /path/x.hpp(21)"
  const std::regex line_re(R"(^\[(\d+)\] (\d+): (.*), in (.*), (.*)\((\d+)\)$)");
  const std::regex load_re(
      R"(^<(0x[0-9a-f]+)> atomic load, value=(.*?)( \[NOT CURRENT\])?, order=(\w+)$)");
  const std::regex store_re(
      R"(^<(0x[0-9a-f]+)> atomic store, value=(.*), \(prev value=.*\), order=(\w+)$)");
  const std::regex cas_re(
      R"(^<(0x[0-9a-f]+)> CAS (succ|fail) (?:\[SPURIOUSLY\] )?(?:\[ABA\] )?orig=(.*), cmp=(.*), xchg=(.*), order=(\w+)$)");
  const std::regex rmw_re(
      R"(^<(0x[0-9a-f]+)> (\w+) , prev=(.*), arg=(.*), new=(.*), order=(\w+)$)");
  const std::regex fence_re(R"(^(\w+) fence$)");
  std::map<std::string, std::string> names;  // address -> variable name
  auto name_of = [&](const std::string& address, const std::string& file, unsigned line,
                     const std::string& operation) {
    if (auto found = names.find(address); found != names.end()) {
      return found->second;
    }
    std::string name = variable_in(source_line(file, line), operation);
    if (name.empty()) {
      name = "<" + address + ">";
    }
    names[address] = name;
    return name;
  };
  auto who = [&](unsigned thread) {
    std::string text = "thread " + std::to_string(thread);
    if (thread < roles.size()) {
      text += " (" + roles[thread] + ")";
    }
    return text;
  };

  std::ostringstream out;
  std::istringstream in(raw);
  bool in_history = false;
  bool threads_started = false;  // before(): the scenario's set-up, not worth telling
  bool checking = false;         // after(): the scenario's final check, on no thread of its own
  for (std::string text; std::getline(in, text);) {
    if (text.rfind("execution history", 0) == 0) {
      in_history = true;
      continue;
    }
    if (!in_history) {
      continue;
    }
    if (text.empty()) {
      break;  // the whole history is over; per-thread repeats follow
    }
    std::smatch m;
    if (!std::regex_match(text, m, line_re)) {
      continue;
    }
    const std::string step = m[1];
    const unsigned thread = static_cast<unsigned>(std::stoul(m[2]));
    const std::string what = m[3];
    const std::string function = short_function(m[4]);
    const std::string file = m[5];
    const unsigned line = static_cast<unsigned>(std::stoul(m[6]));
    if (what == "[BEFORE END]") {
      threads_started = true;
      continue;
    }
    if (what == "[AFTER BEGIN]") {
      out << "  -- every thread has finished; the scenario checks the outcome --\n";
      checking = true;
      continue;
    }
    if (!threads_started) {
      continue;
    }
    if (file.find("relacy/") != std::string::npos && what.find("FAILED") == std::string::npos &&
        what.find("DATA RACE") == std::string::npos &&
        what.find("freed memory") == std::string::npos &&
        what.find("DEADLOCK") == std::string::npos && what.find("deadlock") == std::string::npos) {
      continue;  // Relacy's own bookkeeping ([CTOR BEGIN], [THREAD FINISHED], ...)
    }
    const std::string where = base_name(file) + ":" + std::to_string(line);
    std::string sentence;
    std::smatch e;
    if (std::regex_match(what, e, load_re)) {
      sentence = "read " + name_of(e[1], file, line, "load") + " = " + e[2].str() + " (" +
                 e[4].str() + ")" +
                 (e[3].matched ? ", an OLD value: a newer store had not reached this thread" : "");
    } else if (std::regex_match(what, e, store_re)) {
      sentence = "stored " + name_of(e[1], file, line, "store") + " = " + e[2].str() + " (" +
                 e[3].str() + ")";
    } else if (std::regex_match(what, e, cas_re)) {
      const std::string name = name_of(e[1], file, line, "compare_exchange_\\w+");
      sentence = e[2] == "succ" ? "won the CAS " + name + ": " + e[4].str() + " -> " + e[5].str()
                                : "lost the CAS on " + name + " (expected " + e[4].str() +
                                      ", found " + e[3].str() + ")";
      sentence += " (" + e[6].str() + ")";
    } else if (std::regex_match(what, e, rmw_re)) {
      sentence = e[2].str() + " on " + name_of(e[1], file, line, e[2].str()) + ": " + e[3].str() +
                 " -> " + e[5].str() + " (" + e[6].str() + ")";
    } else if (std::regex_match(what, e, fence_re)) {
      sentence = e[1].str() + " fence";
    } else if (what.find("blocking current thread") != std::string::npos) {
      sentence = "went to sleep (blocked)";
    } else if (what.rfind("unblocking thread ", 0) == 0) {
      const unsigned other = static_cast<unsigned>(std::stoul(what.substr(18)));
      sentence = "woke " + who(other);
    } else {
      sentence = what;  // failures, mutex and condition-variable events: Relacy's words
    }
    out << "  " << step << ". " << (checking ? std::string("the final check") : who(thread))
        << " in " << function << " (" << where << "): " << sentence << "\n";
  }
  return out.str();
}

}  // namespace detail

/// Call from inside a scenario's thread or after(): fails the model check with `message` (kept
/// for the report) at the caller's place.
inline void fail(const char* message, sync::Here here = sync::Here::current()) {
  if (!detail::failure_note.set) {
    detail::failure_note.write(message);
  }
  rl::ctx().fail_test(message, rl::test_result_user_assert_failed, sync::where(here));
}

/// Runs `body` (a scenario thread's work) and turns a NotImplemented from the starter into a
/// clean failure of the model check instead of an exception escaping Relacy's fiber.
template <class Body>
void guarded(Body body, sync::Here here = sync::Here::current()) {
  bool missing = false;
  try {
    body();
  } catch (const NotImplemented& error) {
    if (!detail::not_implemented_note.set) {
      detail::not_implemented_note.write(error.what());
    }
    missing = true;
  }
  if (missing) {
    rl::ctx().fail_test("not implemented yet", rl::test_result_user_assert_failed,
                        sync::where(here));
  }
}

/// Model-checks the Relacy test suite `Suite` (threads, before(), after()) with `options`.
template <class Suite>
Outcome check(const Options& options) {
  detail::not_implemented_note = {};
  detail::failure_note = {};
  detail::FixedBuffer buffer(4 << 20);
  std::ostream stream(&buffer);
  rl::test_params params;
  params.output_stream = &stream;
  params.progress_stream = &stream;
  params.search_type = options.search == Search::full ? rl::sched_full : rl::sched_random;
  params.iteration_count = options.iterations;
  // PARLAB_MODEL_ITERATIONS=N searches longer (random search) to hunt a rare failure.
  if (const char* more = std::getenv("PARLAB_MODEL_ITERATIONS"); more != nullptr) {
    params.iteration_count = std::strtoul(more, nullptr, 10);
  }
  params.execution_depth_limit = 4000;
  const bool passed = rl::simulate<Suite>(params);

  Outcome outcome;
  outcome.passed = passed;
  outcome.iterations = static_cast<unsigned long>(params.stop_iteration);
  outcome.raw = buffer.text();
  if (detail::not_implemented_note.set) {
    outcome.passed = false;
    outcome.not_implemented = true;
    outcome.message = detail::not_implemented_note.text.data();
    return outcome;
  }
  if (!passed) {
    std::istringstream lines(outcome.raw);
    std::string line;
    std::getline(lines, line);  // the suite's name
    std::getline(lines, outcome.verdict);
    outcome.story = detail::tell(outcome.raw, options.roles);
    if (detail::failure_note.set) {
      outcome.message = detail::failure_note.text.data();
    }
  }
  return outcome;
}

/// The failure message of a model test: the rule, what Relacy found, the execution in the
/// code's terms, and Relacy's raw history below it.
inline std::string report(const Outcome& outcome, const std::string& rule) {
  if (outcome.not_implemented) {
    return outcome.message + "\n(the model check runs your code; write it first)";
  }
  std::ostringstream out;
  out << "The model checker (Relacy) found an execution that breaks the rule:\n  " << rule
      << "\n\nWhat went wrong: " << (outcome.message.empty() ? outcome.verdict : outcome.message)
      << "\n(" << outcome.verdict << ", after exploring " << outcome.iterations
      << " executions)\n\nThe failing execution, step by step (every thread's atomic operations "
         "in the order they ran; \"an OLD value\" marks a load that the memory model let see a "
         "value older than the newest store):\n"
      << outcome.story << "\nRelacy's raw output (the same history, then thread by thread):\n"
      << outcome.raw;
  return out.str();
}

}  // namespace parlab::testing::model
