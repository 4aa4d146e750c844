
// Attack (grader fixture): reach GoogleTest from the student's header (compiled into the test
// program) and turn every failure into a skip.
struct ParlabAttackListener : ::testing::EmptyTestEventListener {};
inline const int parlab_attack_listener = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new ParlabAttackListener);
  return 0;
}();
