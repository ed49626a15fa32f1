/* A minimal assertion harness for the C unit tests: each test file is one CTest executable.
 * A failed check prints file:line and the values, the run continues, and main() returns non-zero. */
#ifndef PEON_CHECK_H
#define PEON_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do { \
    check_count++; \
    if (!(cond)) { check_failures++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(got, want) do { \
    long long got_ = (long long)(got), want_ = (long long)(want); \
    check_count++; \
    if (got_ != want_) { check_failures++; \
        fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #got, got_, want_); } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *got_ = (got), *want_ = (want); \
    check_count++; \
    if (got_ == NULL || want_ == NULL ? got_ != want_ : strcmp(got_, want_) != 0) { check_failures++; \
        fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, \
                got_ ? got_ : "(null)", want_ ? want_ : "(null)"); } \
} while (0)

#define RUN_TEST(fn) do { int before_ = check_failures; fn(); \
    fprintf(stderr, "%s %s\n", check_failures == before_ ? "ok  " : "FAIL", #fn); } while (0)

#define CHECK_DONE() (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), check_failures != 0)

#endif
