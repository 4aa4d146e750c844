
// Attack (grader fixture): a comment before `#include`, which a check that wants `#` first on
// its line does not take for a directive.
/* nothing to see */ #include <gtest/gtest.h>
