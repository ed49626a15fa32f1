/* One gateway shard's session as a state machine without I/O. The shell (gateway.c) feeds it events
 * (socket open, text frame, close, timer) with the time, and it answers through gws_ops: connect, send,
 * close, arm a timer, hand a dispatch to the bot, or stop the process with an exit status. Tests drive it
 * with scripted frames and a fake clock. */
#ifndef PEON_GATEWAY_SESSION_H
#define PEON_GATEWAY_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum { GWS_INTENT_GUILDS = 1, GWS_INTENT_GUILD_MESSAGES = 1 << 9, GWS_INTENT_MESSAGE_CONTENT = 1 << 15 };

typedef enum { GWS_TIMER_HEARTBEAT, GWS_TIMER_RECONNECT, GWS_TIMER_SEND_QUEUE, GWS_TIMER_COUNT } gws_timer;

typedef struct gws_ops {
    void (*connect)(void *ud, const char *url);
    void (*send)(void *ud, const char *text, size_t len);
    void (*close)(void *ud, int code);                  /* close with a close frame */
    void (*set_timer)(void *ud, gws_timer timer, uint64_t after_ms);
    void (*cancel_timer)(void *ud, gws_timer timer);
    /* A dispatch (op 0): event name, sequence, and the raw JSON of "d" (valid during the call). */
    void (*dispatch)(void *ud, const char *name, int64_t seq, const char *d, size_t d_len);
    void (*fatal)(void *ud, int exit_status, const char *message);
    /* ms to wait before this shard may IDENTIFY (session start budget, max_concurrency), 0 = now. */
    uint64_t (*identify_wait)(void *ud, const char **reason);
    void (*identified)(void *ud);                       /* an IDENTIFY was sent: the budget is spent */
    double (*random)(void *ud);                         /* uniform in [0, 1) */
} gws_ops;

typedef enum {
    GWS_IDLE, GWS_WAITING, GWS_CONNECTING, GWS_HELLO, GWS_IDENTIFYING, GWS_RESUMING, GWS_READY, GWS_CLOSING,
    GWS_STOPPED,
} gws_state;

typedef struct gws_stats {
    uint64_t connects, identifies, resumes, reconnects, zombies, heartbeats, acks, dispatches, invalid_sessions;
    uint64_t sends_queued;
    double last_rtt_ms, avg_rtt_ms;
} gws_stats;

#define GWS_SEND_QUEUE_MAX 64

typedef struct gws {
    gws_ops ops;
    void *ud;
    char token[256];
    int intents;
    int shard_id, shard_count;
    char gateway_url[512];        /* from /gateway/bot, without query */
    char resume_url[512];
    char session_id[128];
    char application_id[32];
    char user_id[32];
    int64_t seq;
    bool have_session;
    gws_state state;
    bool on_resume_url;           /* the current connection went to resume_url */
    bool opened;                  /* the current connection reached the open event */
    uint32_t heartbeat_interval;
    bool ack_pending;
    uint64_t heartbeat_sent_ms;
    int failed_resumes;
    int backoff_attempt;
    uint64_t ready_since_ms;
    bool shutting_down;
    uint64_t send_times[120];     /* ring of the last sends, for the 120-per-60 s limit */
    size_t send_head, send_count;
    char *queue[GWS_SEND_QUEUE_MAX];
    size_t queue_len[GWS_SEND_QUEUE_MAX];
    size_t queue_head, queue_count;
    gws_stats stats;
} gws;

void gws_init(gws *g, const gws_ops *ops, void *ud, const char *token, int intents, int shard_id, int shard_count);
void gws_free(gws *g);
void gws_set_gateway_url(gws *g, const char *url);

/* Events from the shell. */
void gws_start(gws *g, uint64_t now_ms);
void gws_on_open(gws *g, uint64_t now_ms);
void gws_on_text(gws *g, uint64_t now_ms, const char *text, size_t len);
/* code 0: the connection ended without a close frame (or never opened). */
void gws_on_close(gws *g, uint64_t now_ms, int code, const char *reason);
void gws_on_timer(gws *g, uint64_t now_ms, gws_timer timer);
/* The shell's inflater failed: treat like a dropped connection (the shell closes the socket). */
void gws_on_corrupt(gws *g, uint64_t now_ms);
/* Clean shutdown: close with 1000 (ends the session) and stop reconnecting. */
void gws_shutdown(gws *g, uint64_t now_ms);
/* Sends a payload (presence update...) through the 120-per-60 s budget; returns -1 if the queue is full. */
int gws_send(gws *g, uint64_t now_ms, const char *text, size_t len);

const char *gws_state_name(gws_state state);

/* Backoff before reconnect attempt n (1-based): exponential from 1 s, capped at 60 s, with jitter. */
uint64_t gws_backoff_ms(int attempt, double random01);

#endif
