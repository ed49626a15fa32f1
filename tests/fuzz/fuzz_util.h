/* Shared by the libFuzzer targets in tests/fuzz: the entry point's prototypes, an invariant check that
 * stops the run with a message (libFuzzer then saves the input), and a reader that takes numbers and
 * byte strings off the front of the fuzzer's input. Header-only; each target includes it once. */
#ifndef PEON_FUZZ_UTIL_H
#define PEON_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Invariant failures go to stdout as well as stderr: tools/fuzz.sh runs the noisy targets (the Lua host
 * logs every failed answer) with -close_fd_mask=2, which silences the core's log but not this. */
#define FUZZ_CHECK(cond, ...)                                                                                  \
    do {                                                                                                       \
        if (!(cond)) {                                                                                         \
            fprintf(stdout, "INVARIANT FAILED at %s:%d: %s: ", __FILE__, __LINE__, #cond);                     \
            fprintf(stdout, __VA_ARGS__);                                                                      \
            fprintf(stdout, "\n");                                                                             \
            fflush(stdout);                                                                                    \
            fprintf(stderr, "INVARIANT FAILED at %s:%d: %s\n", __FILE__, __LINE__, #cond);                     \
            abort();                                                                                           \
        }                                                                                                      \
    } while (0)

typedef struct fuzz_in {
    const uint8_t *p;
    size_t left;
} fuzz_in;

static inline bool fz_empty(const fuzz_in *in) { return in->left == 0; }

static inline uint8_t fz_u8(fuzz_in *in)
{
    if (in->left == 0) return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t fz_u16(fuzz_in *in)
{
    uint16_t hi = fz_u8(in);
    return (uint16_t)(hi << 8 | fz_u8(in));
}

static inline uint32_t fz_u32(fuzz_in *in)
{
    uint32_t hi = fz_u16(in);
    return hi << 16 | fz_u16(in);
}

static inline uint64_t fz_u64(fuzz_in *in)
{
    uint64_t hi = fz_u32(in);
    return hi << 32 | fz_u32(in);
}

/* A byte string: a 16-bit length (cut to max and to what is left) and that many bytes, in place. */
static inline const uint8_t *fz_bytes(fuzz_in *in, size_t max, size_t *len)
{
    size_t n = fz_u16(in);
    if (n > max) n = n % (max + 1);
    if (n > in->left) n = in->left;
    const uint8_t *start = in->p;
    in->p += n;
    in->left -= n;
    *len = n;
    return start;
}

/* The same, copied into a fresh NUL-terminated buffer (free it). */
static inline char *fz_string(fuzz_in *in, size_t max, size_t *len)
{
    size_t n;
    const uint8_t *bytes = fz_bytes(in, max, &n);
    char *s = malloc(n + 1);
    if (s == NULL) abort();
    memcpy(s, bytes, n);
    s[n] = '\0';
    if (len) *len = n;
    return s;
}

/* The input split at a separator byte: the next piece (not NUL-terminated) or NULL at the end. */
static inline const uint8_t *fz_piece(fuzz_in *in, uint8_t separator, size_t *len)
{
    if (in->left == 0 && in->p == NULL) return NULL;
    if (in->p == NULL) return NULL;
    const uint8_t *start = in->p;
    const uint8_t *sep = in->left ? memchr(start, separator, in->left) : NULL;
    if (sep == NULL) {
        *len = in->left;
        in->p = NULL; /* the last piece */
        in->left = 0;
        return start;
    }
    *len = (size_t)(sep - start);
    in->left -= *len + 1;
    in->p = sep + 1;
    return start;
}

#endif
