// The one main() of the doctest binaries; test cases live in tests/<room>/*_test.cc.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
