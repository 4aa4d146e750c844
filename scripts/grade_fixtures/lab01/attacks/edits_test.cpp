
// Attack (grader fixture): an edited copy of the test file (one extra test that always passes).
// The grader reports it, ignores it and grades with the release's copy.
TEST(CopyingThreads, AlwaysPassesInTheEditedCopy) { SUCCEED(); }
