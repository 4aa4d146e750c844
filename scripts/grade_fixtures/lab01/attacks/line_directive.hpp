
// Attack (grader fixture): a line marker that relabels the lines after it as the standard
// library's, so that a check of the preprocessed unit would take them for the grader's.
# 1 "/usr/include/c++/12/vector" 3
inline const int parlab_attack_hidden = 0;
