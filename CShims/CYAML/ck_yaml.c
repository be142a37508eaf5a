/* ck_yaml.c — see include/ck_yaml.h. */
#include "ck_yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ck_yaml_parser {
    yaml_parser_t parser;
    yaml_event_t event;
    int has_event;      /* event holds something to delete */
    int finished;       /* stream end or an error seen */
    uint8_t *text;      /* our copy of the input */
};

int ck_yaml_open(ck_yaml_parser **out, const uint8_t *bytes, size_t length) {
    *out = NULL;
    ck_yaml_parser *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    p->text = malloc(length ? length : 1);
    if (!p->text) { free(p); return -ENOMEM; }
    if (length) memcpy(p->text, bytes, length);
    if (!yaml_parser_initialize(&p->parser)) { free(p->text); free(p); return -ENOMEM; }
    yaml_parser_set_input_string(&p->parser, p->text, length);
    yaml_parser_set_encoding(&p->parser, YAML_UTF8_ENCODING);
    *out = p;
    return 0;
}

static int style_of(yaml_scalar_style_t s) {
    switch (s) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return CK_YAML_SINGLE_QUOTED;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return CK_YAML_DOUBLE_QUOTED;
    case YAML_LITERAL_SCALAR_STYLE: return CK_YAML_LITERAL;
    case YAML_FOLDED_SCALAR_STYLE: return CK_YAML_FOLDED;
    default: return CK_YAML_PLAIN;
    }
}

int ck_yaml_next(ck_yaml_parser *p, struct ck_yaml_event *out) {
    memset(out, 0, sizeof *out);
    if (p->has_event) { yaml_event_delete(&p->event); p->has_event = 0; }
    if (p->finished) return -EINVAL;
    if (!yaml_parser_parse(&p->parser, &p->event)) {
        p->finished = 1;
        return p->parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
    }
    p->has_event = 1;
    yaml_event_t *e = &p->event;
    out->line = e->start_mark.line;
    out->column = e->start_mark.column;
    switch (e->type) {
    case YAML_STREAM_START_EVENT: out->kind = CK_YAML_STREAM_START; break;
    case YAML_STREAM_END_EVENT: out->kind = CK_YAML_STREAM_END; p->finished = 1; break;
    case YAML_DOCUMENT_START_EVENT: out->kind = CK_YAML_DOCUMENT_START; break;
    case YAML_DOCUMENT_END_EVENT: out->kind = CK_YAML_DOCUMENT_END; break;
    case YAML_ALIAS_EVENT:
        out->kind = CK_YAML_ALIAS;
        out->anchor = (const char *)e->data.alias.anchor;
        break;
    case YAML_SCALAR_EVENT:
        out->kind = CK_YAML_SCALAR;
        out->style = style_of(e->data.scalar.style);
        out->value = e->data.scalar.value;
        out->value_length = e->data.scalar.length;
        out->anchor = (const char *)e->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        out->kind = CK_YAML_SEQUENCE_START;
        out->anchor = (const char *)e->data.sequence_start.anchor;
        break;
    case YAML_SEQUENCE_END_EVENT: out->kind = CK_YAML_SEQUENCE_END; break;
    case YAML_MAPPING_START_EVENT:
        out->kind = CK_YAML_MAPPING_START;
        out->anchor = (const char *)e->data.mapping_start.anchor;
        break;
    case YAML_MAPPING_END_EVENT: out->kind = CK_YAML_MAPPING_END; break;
    default:
        /* YAML_NO_EVENT: libyaml gives it only after the stream ended. */
        p->finished = 1;
        return -EINVAL;
    }
    return 0;
}

void ck_yaml_last_error(const ck_yaml_parser *p, struct ck_yaml_error *out) {
    memset(out, 0, sizeof *out);
    const yaml_parser_t *y = &p->parser;
    switch (y->error) {
    case YAML_MEMORY_ERROR: out->kind = CK_YAML_MEMORY_ERROR; break;
    case YAML_READER_ERROR: out->kind = CK_YAML_READER_ERROR; break;
    case YAML_SCANNER_ERROR: out->kind = CK_YAML_SCANNER_ERROR; break;
    default: out->kind = CK_YAML_PARSER_ERROR; break;
    }
    out->problem = y->problem;
    out->problem_line = y->problem_mark.line;
    out->problem_column = y->problem_mark.column;
    out->problem_offset = y->problem_offset;
    out->problem_value = y->problem_value;
    out->context = y->context;
    out->context_line = y->context_mark.line;
    out->context_column = y->context_mark.column;
}

void ck_yaml_close(ck_yaml_parser *p) {
    if (!p) return;
    if (p->has_event) yaml_event_delete(&p->event);
    yaml_parser_delete(&p->parser);
    free(p->text);
    free(p);
}
