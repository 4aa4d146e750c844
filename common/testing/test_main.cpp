// The main() of every lab's test programs (instead of GoogleTest's gtest_main): runs the tests and,
// when scripts/grade's launcher hands it a verdict channel, reports each test on it. Part of
// common/testing.
//
// The channel is a pipe the launcher opened before starting the program; its write end's number
// arrives in the environment variable PARLAB_VERDICT_FD. One line per event, each written with a
// single write() of at most kRecordLimit bytes (below PIPE_BUF, so a record is never interleaved
// with another writer's bytes):
//   start <TAB> Suite.Test
//   end <TAB> Suite.Test <TAB> passed|failed|skipped <TAB> first failure message (clipped)
//   complete <TAB> RUN_ALL_TESTS()'s result
//   forbidden <TAB> the number of a system call the grader's seccomp filter refused
// "complete" is written as soon as RUN_ALL_TESTS() returns, before static destructors run, so code
// that runs after the tests (a destructor, .fini_array) cannot change what was reported; the
// launcher (scripts/lib/grade_launch.py) decides from these records and the exit status alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t kRecordLimit = 3000;
constexpr std::size_t kMessageLimit = 1000;

/// Writes one record with a single write() (a pipe write below PIPE_BUF is atomic).
void send(int fd, std::string record) {
  if (record.size() > kRecordLimit - 1) {
    record.resize(kRecordLimit - 1);
  }
  record += '\n';
  while (::write(fd, record.data(), record.size()) < 0 && errno == EINTR) {
  }
}

/// A record field: tabs and line breaks become spaces, and it is clipped.
std::string field(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return out;
}

class VerdictChannel : public ::testing::EmptyTestEventListener {
 public:
  explicit VerdictChannel(int fd) : fd_(fd) {}

  void OnTestStart(const ::testing::TestInfo& info) override {
    first_failure_.clear();
    send(fd_, "start\t" + name_of(info));
  }

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed() && first_failure_.empty()) {
      const char* file = result.file_name() != nullptr ? result.file_name() : "";
      first_failure_ =
          std::string(file) + ":" + std::to_string(result.line_number()) + ": " + result.message();
    }
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    const ::testing::TestResult& result = *info.result();
    const char* state = result.Failed() ? "failed" : result.Skipped() ? "skipped" : "passed";
    send(fd_, "end\t" + name_of(info) + "\t" + state + "\t" + field(first_failure_, kMessageLimit));
  }

 private:
  static std::string name_of(const ::testing::TestInfo& info) {
    return field(std::string(info.test_suite_name()) + "." + info.name(), 400);
  }

  int fd_;
  std::string first_failure_;
};

/// The channel's fd, or -1 when the program runs outside the grader. The variable is removed so
/// that nothing the tests start inherits it.
int read_verdict_fd() {
  const char* text = std::getenv("PARLAB_VERDICT_FD");
  if (text == nullptr) {
    return -1;
  }
  char* end = nullptr;
  const long fd = std::strtol(text, &end, 10);
  ::unsetenv("PARLAB_VERDICT_FD");
  return (end != text && *end == '\0' && fd > 2 && fd < 1024) ? static_cast<int>(fd) : -1;
}

int verdict_fd = -1;

/// SIGSYS from the grader's seccomp filter (scripts/lib/grade_seccomp.py): says which call was
/// refused, then lets the signal end the process (it is blocked until this handler returns).
/// Async-signal-safe: one write() of a line formatted by hand.
void on_refused_call(int, siginfo_t* info, void*) {
  char line[32] = "forbidden\t";
  std::size_t at = 10;
  char digits[12];
  std::size_t count = 0;
  unsigned number = info != nullptr ? static_cast<unsigned>(info->si_syscall) : 0U;
  do {
    digits[count++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0 && count < sizeof digits);
  while (count > 0) {
    line[at++] = digits[--count];
  }
  line[at++] = '\n';
  (void)!::write(verdict_fd, line, at);
  std::signal(SIGSYS, SIG_DFL);
  std::raise(SIGSYS);
}

/// Runs before any other static initialiser of the program (priority 101, the first one a
/// program may use), so a refused call made while the tests' globals are built is named too.
__attribute__((constructor(101))) void open_verdict_channel() {
  verdict_fd = read_verdict_fd();
  if (verdict_fd >= 0) {
    struct sigaction action = {};
    action.sa_sigaction = on_refused_call;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSYS, &action, nullptr);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int fd = verdict_fd;
  if (fd >= 0) {
    // GoogleTest owns and deletes the listeners it is given.
    ::testing::UnitTest::GetInstance()->listeners().Append(new VerdictChannel(fd));
  }
  const int result = RUN_ALL_TESTS();
  if (fd >= 0) {
    // The fd stays open: a call refused while static destructors run is still named.
    send(fd, "complete\t" + std::to_string(result));
  }
  return result;
}
