
// Attack (grader fixture): include the reference by the grading checkout's absolute path
// (@CHECKOUT@ is replaced by the self-test); graded with --no-policy, only the sealed tree and
// the sandbox stand in the way.
#include "@CHECKOUT@/solutions/01_copying_threads/copying_threads.hpp"
