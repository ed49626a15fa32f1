/* The interaction answer state machine: every answer a handler can give, before and after the guard. */
#include "check.h"
#include "interaction.h"

static ix fresh(int type)
{
    ix x;
    ix_init(&x, type, 1000, 0, 0);
    return x;
}

/* Sends whatever a decision says and completes it, as the I/O layer would. */
static ix_decision answer(ix *x, ix_ask ask, uint64_t now)
{
    ix_decision d = ix_decide(x, ask, now);
    if (d.action == IX_SEND_CALLBACK) {
        ix_initial_sent(x, d.callback_type);
        ix_initial_done(x, true);
    }
    return d;
}

static void test_fast_reply_then_followups(void)
{
    ix x = fresh(IX_COMMAND);
    ix_decision d = answer(&x, IX_ASK_REPLY, 1100);
    CHECK_INT(d.action, IX_SEND_CALLBACK);
    CHECK_INT(d.callback_type, IXR_MESSAGE);
    CHECK_INT(ix_guard(&x, 3600).action, IX_NOTHING); /* the guard stays quiet once answered */
    CHECK_INT(answer(&x, IX_ASK_REPLY, 1200).action, IX_SEND_FOLLOWUP);
    CHECK_INT(answer(&x, IX_ASK_EDIT, 1300).action, IX_SEND_EDIT_ORIGINAL);
    CHECK_INT(answer(&x, IX_ASK_MODAL, 1300).action, IX_REFUSE);
}

static void test_guard_defers_slow_handler_and_reply_fills_it_in(void)
{
    ix x = fresh(IX_COMMAND);
    x.ephemeral_default = true;
    CHECK_INT(ix_guard(&x, 3499).action, IX_NOTHING); /* not yet due */
    ix_decision g = ix_guard(&x, 3500);
    CHECK_INT(g.action, IX_SEND_CALLBACK);
    CHECK_INT(g.callback_type, IXR_DEFER);
    CHECK(g.ephemeral); /* a private answer stays private */
    ix_initial_sent(&x, g.callback_type);
    CHECK_INT(ix_decide(&x, IX_ASK_REPLY, 3600).action, IX_WAIT); /* defer still in flight */
    ix_initial_done(&x, true);
    CHECK_INT(answer(&x, IX_ASK_DEFER, 3700).action, IX_NOTHING); /* the handler's own late defer is a no-op */
    CHECK_INT(answer(&x, IX_ASK_REPLY, 3700).action, IX_SEND_EDIT_ORIGINAL);
    CHECK_INT(answer(&x, IX_ASK_REPLY, 3800).action, IX_SEND_FOLLOWUP);
    ix_decision m = answer(&x, IX_ASK_MODAL, 3900);
    CHECK_INT(m.action, IX_REFUSE);
    CHECK(strstr(m.reason, "too late to open a modal") != NULL);
}

static void test_refused_first_answer_can_be_replaced(void)
{
    ix x = fresh(IX_COMMAND);
    ix_decision d = ix_decide(&x, IX_ASK_REPLY, 1100);
    ix_initial_sent(&x, d.callback_type);
    CHECK_INT(ix_decide(&x, IX_ASK_REPLY, 1150).action, IX_WAIT);
    ix_initial_refused(&x); /* 400: a message over Discord's limits, nothing shown to the user */
    ix_decision again = ix_decide(&x, IX_ASK_REPLY, 1200); /* the error notice goes out as the first answer */
    CHECK_INT(again.action, IX_SEND_CALLBACK);
    CHECK_INT(again.callback_type, IXR_MESSAGE);
    ix_initial_sent(&x, again.callback_type);
    ix_initial_done(&x, true);
    CHECK_INT(ix_guard(&x, 3600).action, IX_NOTHING);
    CHECK_INT(answer(&x, IX_ASK_REPLY, 1300).action, IX_SEND_FOLLOWUP);
}

static void test_components_defer_as_update(void)
{
    ix x = fresh(IX_COMPONENT);
    ix_decision g = ix_guard(&x, 3500);
    CHECK_INT(g.callback_type, IXR_DEFER_UPDATE);
    ix_initial_sent(&x, g.callback_type);
    ix_initial_done(&x, true);
    CHECK_INT(answer(&x, IX_ASK_UPDATE, 3600).action, IX_SEND_EDIT_ORIGINAL);
    CHECK_INT(answer(&x, IX_ASK_REPLY, 3700).action, IX_SEND_FOLLOWUP);

    ix y = fresh(IX_COMPONENT);
    ix_decision d = answer(&y, IX_ASK_UPDATE, 1100);
    CHECK_INT(d.callback_type, IXR_UPDATE);
    ix z = fresh(IX_COMMAND);
    CHECK_INT(answer(&z, IX_ASK_UPDATE, 1100).action, IX_REFUSE);
}

static void test_modals(void)
{
    ix x = fresh(IX_COMMAND);
    ix_decision d = answer(&x, IX_ASK_MODAL, 1100);
    CHECK_INT(d.callback_type, IXR_MODAL);
    ix s = fresh(IX_MODAL_SUBMIT);
    CHECK_INT(answer(&s, IX_ASK_MODAL, 1100).action, IX_REFUSE);
    CHECK_INT(answer(&s, IX_ASK_DEFER, 1100).callback_type, IXR_DEFER);
}

static void test_autocomplete(void)
{
    ix x = fresh(IX_AUTOCOMPLETE);
    CHECK_INT(ix_decide(&x, IX_ASK_REPLY, 1100).action, IX_REFUSE);
    CHECK_INT(ix_decide(&x, IX_ASK_DEFER, 1100).action, IX_REFUSE);
    ix_decision g = ix_guard(&x, 3500); /* can't defer: the guard answers with an empty list instead */
    CHECK_INT(g.callback_type, IXR_CHOICES);
    ix_initial_sent(&x, g.callback_type);
    ix_initial_done(&x, true);
    CHECK_INT(answer(&x, IX_ASK_CHOICES, 3600).action, IX_REFUSE);
    ix c = fresh(IX_COMMAND);
    CHECK_INT(ix_decide(&c, IX_ASK_CHOICES, 1100).action, IX_REFUSE);
}

static void test_failed_initial_and_expiry(void)
{
    ix x = fresh(IX_COMMAND);
    ix_decision d = ix_decide(&x, IX_ASK_REPLY, 1100);
    ix_initial_sent(&x, d.callback_type);
    ix_initial_done(&x, false);
    CHECK_INT(ix_decide(&x, IX_ASK_REPLY, 1200).action, IX_REFUSE);

    ix y = fresh(IX_COMMAND);
    answer(&y, IX_ASK_DEFER, 1100);
    CHECK_INT(ix_decide(&y, IX_ASK_REPLY, 1000 + IX_TOKEN_LIFETIME_MS).action, IX_REFUSE);
}

static void test_guard_uses_the_snowflake_age(void)
{
    /* id 175928847299117063 was created at Unix ms 1462015105796 */
    CHECK_INT(ix_snowflake_unix_ms("175928847299117063"), 1462015105796ull);
    CHECK_INT(ix_snowflake_unix_ms("not-a-number"), 0);
    ix x;
    ix_init(&x, IX_COMMAND, 5000, 1462015105796ull + 800, 1462015105796ull); /* arrived 800 ms late */
    CHECK_INT(x.guard_at_ms, 5000 + IX_GUARD_AFTER_MS - 800);
    ix skewed;
    ix_init(&skewed, IX_COMMAND, 5000, 1462015105796ull + 60000, 1462015105796ull); /* clock off by a minute */
    CHECK_INT(skewed.guard_at_ms, 5000 + IX_GUARD_AFTER_MS - 2000);
}

int main(void)
{
    RUN_TEST(test_fast_reply_then_followups);
    RUN_TEST(test_guard_defers_slow_handler_and_reply_fills_it_in);
    RUN_TEST(test_refused_first_answer_can_be_replaced);
    RUN_TEST(test_components_defer_as_update);
    RUN_TEST(test_modals);
    RUN_TEST(test_autocomplete);
    RUN_TEST(test_failed_initial_and_expiry);
    RUN_TEST(test_guard_uses_the_snowflake_age);
    return CHECK_DONE();
}
