/*
 * ck_yaml.h — YAML events from Debian's libyaml (libyaml-dev) for the board, station and scenario
 * files (issue 18: Foundation out of the firmware).
 *
 * Why a shim: Yams, the Swift YAML library, imports Foundation in every file, and Foundation with
 * ICU is 8 MiB of an idle chargerd's resident memory. libyaml itself is plain C. The shim hides
 * libyaml's unions and ownership rules behind one flat event struct, so the Swift side
 * (Sources/YAMLDocument) only copies what it needs before asking for the next event.
 *
 * Every function returns >= 0 or -errno and never prints or exits. Marks are 0-based, as libyaml's.
 */
#ifndef CK_YAML_H
#define CK_YAML_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ck_yaml_parser ck_yaml_parser;

enum ck_yaml_event_kind {
    CK_YAML_STREAM_START = 1,
    CK_YAML_STREAM_END = 2,
    CK_YAML_DOCUMENT_START = 3,
    CK_YAML_DOCUMENT_END = 4,
    CK_YAML_ALIAS = 5,
    CK_YAML_SCALAR = 6,
    CK_YAML_SEQUENCE_START = 7,
    CK_YAML_SEQUENCE_END = 8,
    CK_YAML_MAPPING_START = 9,
    CK_YAML_MAPPING_END = 10,
};

enum ck_yaml_scalar_style {
    CK_YAML_PLAIN = 1,
    CK_YAML_SINGLE_QUOTED = 2,
    CK_YAML_DOUBLE_QUOTED = 3,
    CK_YAML_LITERAL = 4,
    CK_YAML_FOLDED = 5,
};

/* One event. The pointers stay valid until the next ck_yaml_next or ck_yaml_close. */
struct ck_yaml_event {
    int kind;                 /* enum ck_yaml_event_kind */
    int style;                /* scalars: enum ck_yaml_scalar_style; else 0 */
    size_t line, column;      /* where the event starts */
    const uint8_t *value;     /* scalars: the value (not NUL-terminated, may contain NUL) */
    size_t value_length;
    const char *anchor;       /* "&name" on a scalar, sequence or mapping; the name an alias refers to; or NULL */
};

enum ck_yaml_error_kind {
    CK_YAML_MEMORY_ERROR = 1,
    CK_YAML_READER_ERROR = 2,
    CK_YAML_SCANNER_ERROR = 3,
    CK_YAML_PARSER_ERROR = 4,
};

/* What libyaml said when ck_yaml_next failed. Strings are libyaml's static texts, or NULL. */
struct ck_yaml_error {
    int kind;                     /* enum ck_yaml_error_kind */
    const char *problem;
    size_t problem_line, problem_column;
    size_t problem_offset;        /* reader errors: the byte offset */
    int problem_value;            /* reader errors: the offending byte or code point, or -1 */
    const char *context;          /* scanner/parser errors: what was being read, or NULL */
    size_t context_line, context_column;
};

/* A parser over `length` bytes of UTF-8 (copied: the caller's buffer may go away). -ENOMEM. */
int ck_yaml_open(ck_yaml_parser **out, const uint8_t *bytes, size_t length);
/* The next event into *out: 0, or -EINVAL when the text is malformed (then ck_yaml_last_error), or
   -ENOMEM. After an error or CK_YAML_STREAM_END no further events come. */
int ck_yaml_next(ck_yaml_parser *parser, struct ck_yaml_event *out);
/* What went wrong in the last failed ck_yaml_next. */
void ck_yaml_last_error(const ck_yaml_parser *parser, struct ck_yaml_error *out);
void ck_yaml_close(ck_yaml_parser *parser);

#ifdef __cplusplus
}
#endif
#endif
