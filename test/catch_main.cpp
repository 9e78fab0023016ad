// Catch2 main for every test program of the tree. A listener counts test
// cases so that the test runner (scripts/test.sh) can add them up and print
// the closing "N passed, N failed" line.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

namespace {

struct case_counter : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    static inline int passed = 0;
    static inline int failed = 0;
    void testCaseEnded(Catch::TestCaseStats const& stats) override {
        (stats.totals.assertions.failed > 0 ? failed : passed) += 1;
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(case_counter)

int main(int argc, char* argv[]) {
    int rc = Catch::Session().run(argc, argv);
    std::printf("test cases: %d passed, %d failed\n", case_counter::passed, case_counter::failed);
    return rc;
}
