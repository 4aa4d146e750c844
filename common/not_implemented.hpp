// The exception a lab's starter code throws where the student has not written the code yet.
// Part of common/; tests report it as "not implemented yet" rather than as a crash.
#pragma once

#include <stdexcept>
#include <string>

namespace parlab {

/// Thrown by starter code: `what()` names the lab task still to do.
class NotImplemented : public std::logic_error {
 public:
  /// `task` says which lab task is missing and in which file.
  explicit NotImplemented(const std::string& task)
      : std::logic_error("not implemented yet: " + task) {}
};

}  // namespace parlab
