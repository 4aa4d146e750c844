
// Attack (grader fixture): hand in the reference solution by including it from the grading tree.
#include "../../solutions/01_copying_threads/copying_threads.hpp"
