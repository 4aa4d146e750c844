
// Attack (grader fixture): a line splice (backslash-newline) inside an identifier, so that no
// raw token reads `testing`: a fake result reporter that swallows every failure.
struct ParlabAttackReporter : ::te\
sting::EmptyTestEventListener {};
