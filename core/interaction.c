#include "interaction.h"

#include <stdlib.h>

#define DISCORD_EPOCH_MS 1420070400000ull

uint64_t ix_snowflake_unix_ms(const char *id)
{
    char *end;
    unsigned long long value = strtoull(id ? id : "", &end, 10);
    if (id == NULL || end == id || *end != '\0') return 0;
    return (value >> 22) + DISCORD_EPOCH_MS;
}

void ix_init(ix *x, int type, uint64_t now_ms, uint64_t now_unix_ms, uint64_t snowflake_unix_ms)
{
    *x = (ix){ .type = type, .state = IXS_NEW, .received_ms = now_ms };
    uint64_t guard_at = now_ms + IX_GUARD_AFTER_MS;
    /* If the id says the interaction is older than our receipt time implies, the deadline is nearer. The
     * correction is capped so a skewed local clock cannot make the guard fire before the handler starts. */
    if (snowflake_unix_ms != 0 && now_unix_ms > snowflake_unix_ms) {
        uint64_t age = now_unix_ms - snowflake_unix_ms;
        if (age > 2000) age = 2000;
        guard_at -= age;
    }
    x->guard_at_ms = guard_at;
    x->token_expires_ms = now_ms + IX_TOKEN_LIFETIME_MS;
}

static ix_decision refuse(const char *reason)
{
    return (ix_decision){ .action = IX_REFUSE, .reason = reason };
}

static ix_decision callback(int type)
{
    return (ix_decision){ .action = IX_SEND_CALLBACK, .callback_type = type };
}

static ix_decision first_answer(ix *x, ix_ask ask)
{
    bool component = x->type == IX_COMPONENT;
    switch (ask) {
    case IX_ASK_REPLY:
        return callback(IXR_MESSAGE);
    case IX_ASK_UPDATE:
        /* A modal opened from a component also carries the message, so it may update it. */
        if (!component && x->type != IX_MODAL_SUBMIT)
            return refuse("update() only works for buttons, selects and modals opened from them; use reply()");
        return callback(IXR_UPDATE);
    case IX_ASK_DEFER:
        return callback(component ? IXR_DEFER_UPDATE : IXR_DEFER);
    case IX_ASK_MODAL:
        if (x->type == IX_MODAL_SUBMIT) return refuse("a modal cannot be opened in answer to a modal");
        return callback(IXR_MODAL);
    case IX_ASK_CHOICES:
        return callback(IXR_CHOICES);
    case IX_ASK_EDIT:
        return refuse("edit_original() needs an answer to edit: reply() or defer() first");
    }
    return refuse("unknown answer");
}

ix_decision ix_decide(ix *x, ix_ask ask, uint64_t now_ms)
{
    if (x->type == IX_AUTOCOMPLETE && ask != IX_ASK_CHOICES)
        return refuse("autocomplete handlers can only return choices");
    if (x->type != IX_AUTOCOMPLETE && ask == IX_ASK_CHOICES)
        return refuse("choices can only answer an autocomplete request");
    if (x->state == IXS_FAILED) return refuse("the first answer to this interaction failed; it can't be answered now");
    if (now_ms >= x->token_expires_ms) return refuse("this interaction is older than 15 minutes; its token expired");

    if (x->state == IXS_NEW) return first_answer(x, ask);
    if (x->state == IXS_INITIAL_IN_FLIGHT) return (ix_decision){ .action = IX_WAIT };

    /* Answered: what follows becomes an edit or a followup. */
    switch (ask) {
    case IX_ASK_CHOICES:
        return refuse("this autocomplete request was already answered");
    case IX_ASK_MODAL:
        return refuse(x->by_guard ? "too late to open a modal: the handler took over 2.5 s, so peon-bot "
                                    "acknowledged for it; open the modal before any slow work"
                                  : "a modal must be the first answer to an interaction");
    case IX_ASK_DEFER:
        if (x->by_guard && (x->initial_type == IXR_DEFER || x->initial_type == IXR_DEFER_UPDATE))
            return (ix_decision){ .action = IX_NOTHING };
        return refuse("already answered; defer() must come first");
    case IX_ASK_UPDATE:
        if (x->initial_type == IXR_DEFER_UPDATE || x->initial_type == IXR_UPDATE)
            return (ix_decision){ .action = IX_SEND_EDIT_ORIGINAL };
        return refuse("update() must come first, before reply() or defer()");
    case IX_ASK_EDIT:
        return (ix_decision){ .action = IX_SEND_EDIT_ORIGINAL };
    case IX_ASK_REPLY:
        /* After a deferred "thinking..." the first reply fills it in; later replies are followups. */
        if (x->initial_type == IXR_DEFER && !x->replied) {
            x->replied = true;
            return (ix_decision){ .action = IX_SEND_EDIT_ORIGINAL };
        }
        return (ix_decision){ .action = IX_SEND_FOLLOWUP };
    }
    return refuse("unknown answer");
}

ix_decision ix_guard(ix *x, uint64_t now_ms)
{
    if (x->state != IXS_NEW || now_ms < x->guard_at_ms) return (ix_decision){ .action = IX_NOTHING };
    /* Autocomplete cannot be deferred: an empty list at least ends the spinner in the user's client. */
    if (x->type == IX_AUTOCOMPLETE) {
        x->by_guard = true;
        return callback(IXR_CHOICES);
    }
    x->by_guard = true;
    ix_decision d = callback(x->type == IX_COMPONENT ? IXR_DEFER_UPDATE : IXR_DEFER);
    d.ephemeral = x->ephemeral_default;
    return d;
}

void ix_initial_sent(ix *x, int callback_type)
{
    x->state = IXS_INITIAL_IN_FLIGHT;
    x->initial_type = callback_type;
    x->replied = callback_type == IXR_MESSAGE || callback_type == IXR_UPDATE;
}

void ix_initial_done(ix *x, bool ok)
{
    x->state = ok ? IXS_ANSWERED : IXS_FAILED;
}

void ix_initial_refused(ix *x)
{
    /* Discord validated the body and said no: nothing was shown, so another first answer may follow. */
    x->state = IXS_NEW;
    x->initial_type = 0;
    x->replied = false;
}
