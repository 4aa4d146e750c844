// Grader test fixture (scripts/grade_fixtures/lab01/edits_test): a student's edited copy of
// labs/01_copying_threads/copying_threads_test.cpp in which every test passes. The grader must
// report it (its hash differs from the release's) and grade with the release's copy instead.
#include <gtest/gtest.h>

namespace {

TEST(CopyingThreads, RejectsZeroKWithAClearMessage) { SUCCEED(); }
TEST(CopyingThreads, SumsTheSeedsMillionIntegersWithoutOverflow) { SUCCEED(); }
TEST(CopyingThreads, MatchesTheSequentialSumForEverySizeAndK) { SUCCEED(); }
TEST(CopyingThreads, SumsFloatingPointResults) { SUCCEED(); }
TEST(CopyingThreads, ReturnsZeroAndStartsNoThreadForEmptyInput) { SUCCEED(); }
TEST(CopyingThreads, UsesOneNewThreadPerChunkNeverTheCaller) { SUCCEED(); }
TEST(CopyingThreads, UsesOnlyNThreadsWhenKExceedsN) { SUCCEED(); }
TEST(CopyingThreads, CopiesEveryElementExactlyOnce) { SUCCEED(); }
TEST(CopyingThreads, GivesEachThreadOneContiguousChunkOfNearlyEqualSize) { SUCCEED(); }
TEST(CopyingThreads, CarriesAWorkersExceptionToTheCaller) { SUCCEED(); }
TEST(CopyingThreads, JoinsEveryThreadBeforeRethrowing) { SUCCEED(); }

}  // namespace
