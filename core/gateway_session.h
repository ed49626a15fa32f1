/* One gateway shard's session as a state machine without I/O: no sockets, no clock reads, no globals, no
 * logging. The shell (gateway.c) feeds it events with the current time: start, socket open, text received
 * (already inflated), socket closed, timer expired, inflater failed, shutdown. The session answers with
 * actions through gws_ops: connect to a URL, send a text frame, close with a code, arm or cancel a timer,
 * hand a dispatch to the bot, or stop the process with an exit status.
 *
 * Rules for the shell:
 *  - ops are actions, run at once; they must not call back into the session (defer events to the loop).
 *  - After ops.connect, report exactly one gws_on_close for that connection (code 0 = no close frame, also
 *    for a connect that failed), with gws_on_open in between if it opened. The close must come even when
 *    the peer never answers a close frame (the WebSocket layer's close timeout).
 *  - set_timer re-arms a one-shot timer (replacing any earlier one); call gws_on_timer when it expires.
 *  - A new connection needs a fresh inflater (zs_reset), since a resume too. */
#ifndef PEON_GATEWAY_SESSION_H
#define PEON_GATEWAY_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway_shards.h"

enum {
    GWS_INTENT_GUILDS = 1,
    GWS_INTENT_GUILD_MEMBERS = 1 << 1,    /* privileged */
    GWS_INTENT_GUILD_PRESENCES = 1 << 8,  /* privileged */
    GWS_INTENT_GUILD_MESSAGES = 1 << 9,
    GWS_INTENT_MESSAGE_CONTENT = 1 << 15, /* privileged; legacy prefix commands need it */
};

#define GWS_MAX_PAYLOAD 4096      /* Discord closes with 4002 beyond this */
#define GWS_SEND_LIMIT 120        /* payloads per connection ... */
#define GWS_SEND_WINDOW_MS 60000u /* ... per this window */
#define GWS_SEND_QUEUE_MAX 64
#define GWS_MAX_FAILED_RESUMES 3  /* then a new session is identified */
#define GWS_BACKOFF_BASE_MS 1000u
#define GWS_BACKOFF_CAP_MS 60000u
#define GWS_STABLE_MS 30000u      /* a connection ready this long resets the backoff */
#define GWS_HELLO_TIMEOUT_MS 30000u
#define GWS_TOKEN_MAX 256
#define GWS_PRESENCE_TEXT_MAX 128 /* bytes of a custom status text (Discord's limit for `state`) */
/* At most one presence update (op 3) per connection in this time: changes in between are coalesced, the
 * latest text wins. A status line that follows every start and stop must not eat the send budget. */
#define GWS_PRESENCE_MIN_INTERVAL_MS 5000

typedef enum {
    GWS_TIMER_HEARTBEAT,          /* next heartbeat (and the zombie check) */
    GWS_TIMER_RECONNECT,          /* backoff, invalid-session wait or identify wait before the next connect */
    GWS_TIMER_SEND_QUEUE,         /* queued sends may go: the 60 s window moved */
    GWS_TIMER_HELLO,              /* the socket opened but HELLO has not come */
    GWS_TIMER_PRESENCE,           /* a coalesced presence update may go */
    GWS_TIMER_COUNT
} gws_timer;

typedef struct gws_ops {
    void (*connect)(void *ud, const char *url);          /* url carries ?v=10&encoding=json&compress=zlib-stream */
    void (*send)(void *ud, const char *text, size_t len); /* one text frame, <= GWS_MAX_PAYLOAD bytes */
    void (*close)(void *ud, int code);                   /* close frame with code: 1000 ends the session */
    void (*set_timer)(void *ud, gws_timer timer, uint64_t after_ms);
    void (*cancel_timer)(void *ud, gws_timer timer);
    /* A dispatch (op 0): event name, its sequence, and the raw JSON of "d" (valid during the call). May be
     * NULL. READY and RESUMED are dispatched too, after the session took what it needs from them. */
    void (*dispatch)(void *ud, const char *name, int64_t seq, const char *d, size_t d_len);
    /* Reconnecting cannot help (bad token, intents, shard, version): exit with this status. */
    void (*fatal)(void *ud, int exit_status, const char *message);
    /* Optional, used only without gws_set_identify_gate: ms to wait before this shard may IDENTIFY (0 = now)
     * with a reason for the log, and the notice that an IDENTIFY went out. NULL = no limit. */
    uint64_t (*identify_wait)(void *ud, const char **reason);
    void (*identified)(void *ud);
    /* Optional: uniform in [0, 1). NULL = the session's own generator (gws_set_seed). */
    double (*random)(void *ud);
} gws_ops;

typedef enum { GWS_NOTE_DEBUG, GWS_NOTE_INFO, GWS_NOTE_WARN, GWS_NOTE_ERROR } gws_note_level;
/* Human-readable notes for the log, already prefixed with the shard ("shard 0: ..."). */
typedef void (*gws_note_fn)(void *ud, gws_note_level level, const char *message);

typedef enum {
    GWS_IDLE,         /* not started */
    GWS_WAITING,      /* no connection; RECONNECT timer armed (backoff or identify wait) */
    GWS_CONNECTING,   /* connect asked, not open yet */
    GWS_HELLO,        /* open, waiting for HELLO */
    GWS_IDENTIFYING,  /* IDENTIFY sent, waiting for READY */
    GWS_RESUMING,     /* RESUME sent, waiting for RESUMED */
    GWS_READY,
    GWS_CLOSING,      /* we asked for a close; waiting for it */
    GWS_STOPPED,      /* shut down or fatal: no reconnect */
} gws_state;

/* Why we closed the current connection; decides what follows the close. */
typedef enum {
    GWS_CLOSE_NONE,        /* the peer or the network ended it */
    GWS_CLOSE_REQUESTED,   /* Discord asked for a reconnect (op 7, op 9 resumable) */
    GWS_CLOSE_INVALID,     /* op 9 not resumable: a new session after 1-5 s */
    GWS_CLOSE_ZOMBIE,      /* no heartbeat ACK */
    GWS_CLOSE_BROKEN,      /* corrupt stream, no HELLO, unusable HELLO */
    GWS_CLOSE_SHUTDOWN,
} gws_close_intent;

typedef struct gws_stats {
    uint64_t connects, identifies, resumes, reconnects, zombies, heartbeats, acks, dispatches, invalid_sessions;
    uint64_t sends_queued;
    double last_rtt_ms, avg_rtt_ms;     /* heartbeat round trip: last, and smoothed (1/8 weight) */
    uint64_t failed_resumes, frames_ignored, sends;
} gws_stats;

typedef struct gws {
    gws_ops ops;
    void *ud;
    gws_note_fn note;
    gws_identify_gate *gate;
    uint64_t rng;
    char token[GWS_TOKEN_MAX];
    int intents, shard_id, shard_count, large_threshold;
    char gateway_url[512];        /* from /gateway/bot, query not included */
    char resume_url[512];         /* resume_gateway_url from READY */
    char session_id[128];
    char application_id[32];
    char user_id[32];
    int64_t seq;                  /* latest non-null s */
    bool has_seq;
    bool have_session;
    gws_state state;
    gws_close_intent closing_for;
    bool shutting_down;
    bool on_resume_url;           /* the current connection went to resume_url */
    bool resume_url_failed;       /* it could not be reached: resume through gateway_url */
    bool opened;                  /* the current connection opened */
    bool reached_ready;           /* ... and got READY or RESUMED */
    bool resume_sent;             /* ... and a RESUME went out on it */
    bool identify_ticket;         /* a gate ticket is held for the coming IDENTIFY */
    uint32_t heartbeat_interval;
    bool ack_pending;
    uint64_t ack_pending_since_ms; /* the oldest heartbeat not acknowledged */
    int failed_resumes;           /* in a row */
    int backoff_attempt;          /* failures in a row since the last stable connection */
    uint64_t ready_since_ms;
    bool timer_armed[GWS_TIMER_COUNT];
    uint64_t timer_due_ms[GWS_TIMER_COUNT];
    char wait_reason[160];        /* why the session waits to identify ("" when it does not) */
    char presence_text[GWS_PRESENCE_TEXT_MAX + 1]; /* the custom status shown, "" = none */
    bool has_presence;            /* a presence was set: IDENTIFY carries it */
    bool presence_pending;        /* changed since Discord last got it: sent (op 3) when ready and allowed */
    bool presence_sent;           /* an op 3 went out: presence_sent_ms is meaningful */
    uint64_t presence_sent_ms;    /* when, for GWS_PRESENCE_MIN_INTERVAL_MS */
    uint64_t send_times[GWS_SEND_LIMIT]; /* ring of this connection's recent sends */
    size_t send_head, send_count;
    char *queue[GWS_SEND_QUEUE_MAX];
    size_t queue_len[GWS_SEND_QUEUE_MAX];
    size_t queue_head, queue_count;
    gws_stats stats;
} gws;

/* token: the bot token without "Bot "; intents: GWS_INTENT_* bits; the shard [shard_id, shard_count].
 * Returns 0, or -1 when the token is empty or too long or the shard does not exist. */
int gws_init(gws *g, const gws_ops *ops, void *ud, const char *token, int intents, int shard_id, int shard_count);
/* Drops queued sends, gives back a gate ticket and wipes the token. */
void gws_free(gws *g);
/* The url from GET /gateway/bot (ws:// or wss://, any query is replaced). Returns 0 or -1 if unusable. */
int gws_set_gateway_url(gws *g, const char *url);
void gws_set_note_handler(gws *g, gws_note_fn note);
/* The process-wide identify gate (session_start_limit + max_concurrency); used instead of the ops. */
void gws_set_identify_gate(gws *g, gws_identify_gate *gate);
/* Seeds the session's own generator (jitter) when ops.random is NULL. */
void gws_set_seed(gws *g, uint64_t seed);

/* Events from the shell. */
void gws_start(gws *g, uint64_t now_ms);
void gws_on_open(gws *g, uint64_t now_ms);
/* One inflated message: a gateway payload (several in a row are handled too). */
void gws_on_text(gws *g, uint64_t now_ms, const char *text, size_t len);
/* code 0: the connection ended without a close frame, or never opened. */
void gws_on_close(gws *g, uint64_t now_ms, int code, const char *reason);
void gws_on_timer(gws *g, uint64_t now_ms, gws_timer timer);
/* The shell's inflater failed: the session closes (4000) and resumes on a new connection. */
void gws_on_corrupt(gws *g, uint64_t now_ms);
/* Clean shutdown: close with 1000 (ends the session, the bot shows offline) and never reconnect. */
void gws_shutdown(gws *g, uint64_t now_ms);

/* Sends a payload (presence update, ...) within the 120-per-60 s limit, always leaving room for the
 * heartbeats. Returns 0 sent, 1 queued (sent in order once the window allows and the session is ready),
 * -1 refused (not JSON, over 4096 bytes, queue full, shutting down). */
int gws_send(gws *g, uint64_t now_ms, const char *text, size_t len);
/* The bot's presence: a custom status (activity type 4) with `text` as its state, status online; "" clears
 * the activity. Cut to GWS_PRESENCE_TEXT_MAX bytes at a UTF-8 boundary. Nothing is sent when the text is
 * unchanged. Otherwise it goes out as op 3 when the session is ready, the send queue is empty, the send limit
 * has room and GWS_PRESENCE_MIN_INTERVAL_MS has passed since the previous op 3; until then only the latest
 * text is kept (never queued, so it cannot fill the send queue) and a timer sends it. Every later IDENTIFY
 * carries it. Returns 0 (sent or pending), 1 (unchanged) or -1 (NULL text). */
int gws_set_presence(gws *g, uint64_t now_ms, const char *text);
/* The presence object ({"since":null,"activities":[...],"status":"online","afk":false}) for `text` into out;
 * returns its length, or 0 when it does not fit. */
size_t gws_presence_json(const char *text, char *out, size_t cap);
/* Non-heartbeat sends allowed per window with this heartbeat interval (120 minus the reserve). */
size_t gws_send_allowance(uint32_t heartbeat_interval_ms);

const char *gws_state_name(gws_state state);
/* Why the session is waiting to identify, "" if it is not (for /debug and the log). */
const char *gws_wait_reason(const gws *g);
/* Backoff before reconnect attempt n (1-based): the first within 1 s, then 1 s doubling, capped at 60 s,
 * each scaled by a jitter in [0.5, 1). */
uint64_t gws_backoff_ms(int attempt, double jitter);

#endif
