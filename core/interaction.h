/* The life of one interaction's answers, as a pure state machine: it decides what each answer becomes on
 * the wire (initial callback, edit of @original, followup), when the deadline guard must acknowledge for
 * a slow handler, and which answers must wait until the initial response has gone through. One state per
 * interaction, changed only on the loop thread, so the guard and the handler can never both send an
 * initial response. */
#ifndef PEON_INTERACTION_H
#define PEON_INTERACTION_H

#include <stdbool.h>
#include <stdint.h>

/* Interaction types (Discord). */
enum { IX_PING = 1, IX_COMMAND = 2, IX_COMPONENT = 3, IX_AUTOCOMPLETE = 4, IX_MODAL_SUBMIT = 5 };

/* Callback types (Discord). */
enum {
    IXR_MESSAGE = 4,        /* CHANNEL_MESSAGE_WITH_SOURCE */
    IXR_DEFER = 5,          /* DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE */
    IXR_DEFER_UPDATE = 6,   /* DEFERRED_UPDATE_MESSAGE */
    IXR_UPDATE = 7,         /* UPDATE_MESSAGE */
    IXR_CHOICES = 8,        /* APPLICATION_COMMAND_AUTOCOMPLETE_RESULT */
    IXR_MODAL = 9,
};

/* What a handler asks for. */
typedef enum {
    IX_ASK_REPLY,       /* a message answering the interaction (followups after the first) */
    IX_ASK_UPDATE,      /* replace the message the component sits on */
    IX_ASK_DEFER,       /* "thinking..." (commands, modals) or a silent ack (components) */
    IX_ASK_MODAL,
    IX_ASK_CHOICES,     /* autocomplete */
    IX_ASK_EDIT,        /* edit @original explicitly */
} ix_ask;

/* What to put on the wire for it. */
typedef enum {
    IX_SEND_CALLBACK,       /* POST /interactions/{id}/{token}/callback with `callback_type` */
    IX_SEND_EDIT_ORIGINAL,  /* PATCH /webhooks/{app}/{token}/messages/@original */
    IX_SEND_FOLLOWUP,       /* POST /webhooks/{app}/{token} */
    IX_WAIT,                /* the initial response is still in flight: ask again after ix_initial_done */
    IX_NOTHING,             /* already done (a defer the guard sent for the handler): succeed silently */
    IX_REFUSE,              /* not possible: `reason` says why, for the script author */
} ix_action;

typedef struct ix_decision {
    ix_action action;
    int callback_type;
    bool ephemeral;         /* for IX_SEND_CALLBACK of a defer chosen by the guard */
    const char *reason;
} ix_decision;

typedef enum { IXS_NEW, IXS_INITIAL_IN_FLIGHT, IXS_ANSWERED, IXS_FAILED } ix_state;

typedef struct ix {
    int type;
    ix_state state;
    int initial_type;       /* callback type of the initial response once chosen */
    bool by_guard;          /* the guard, not the handler, sent the initial response */
    bool ephemeral_default; /* the command's declared default: a guard defer must not make a private answer public */
    bool replied;           /* a message answer exists (initial message, or @original filled after a defer) */
    uint64_t received_ms;
    uint64_t guard_at_ms;
    uint64_t token_expires_ms;
} ix;

/* Discord's deadline is 3 s from creation; the guard acts 2.5 s after the earlier of receipt and the id's
 * own timestamp (a lagging gateway eats into the 3 s). Timestamps in ms, the snowflake's in Unix ms. */
#define IX_GUARD_AFTER_MS 2500
#define IX_TOKEN_LIFETIME_MS (15 * 60 * 1000)

void ix_init(ix *x, int type, uint64_t now_ms, uint64_t now_unix_ms, uint64_t snowflake_unix_ms);
uint64_t ix_snowflake_unix_ms(const char *id);

ix_decision ix_decide(ix *x, ix_ask ask, uint64_t now_ms);
/* The guard's timer fired: returns IX_SEND_CALLBACK with a defer type, or IX_NOTHING when nothing is due. */
ix_decision ix_guard(ix *x, uint64_t now_ms);
/* Marks the initial response as sent (call right after ix_decide/ix_guard returned IX_SEND_CALLBACK). */
void ix_initial_sent(ix *x, int callback_type);
/* The initial response's HTTP result arrived. */
void ix_initial_done(ix *x, bool ok);
/* The initial response came back 400 (Discord refused its body): the interaction is still unanswered, so
 * a corrected answer (e.g. the error notice) may be the first one. Call instead of ix_initial_done. */
void ix_initial_refused(ix *x);

#endif
