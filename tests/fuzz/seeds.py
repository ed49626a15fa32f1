#!/usr/bin/python3
"""Writes the hand-made seed inputs of the fuzz targets into tests/fuzz/corpus/<target>/seed-*.

The corpora also hold inputs the fuzzers found (named by their SHA-1, as libFuzzer names them); this script
only (re)writes the seeds. The binary layouts follow the readers in the fuzz_<target>.c files.
Usage: tests/fuzz/seeds.py   (from anywhere)"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v):
    return struct.pack(">B", v & 0xFF)


def u16(v):
    return struct.pack(">H", v & 0xFFFF)


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v & 0xFFFFFFFFFFFFFFFF)


def blob(data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    return u16(len(data)) + data


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)


# ---- fuzz_gateway: header, then steps (see step() in fuzz_gateway.c) ----

def gw_header(flags=0, token=None, intents=1 | 512, shards=(1, 0), seed=7, gate=None, now=None):
    h = u8(flags | (16 if token else 0) | (64 if gate else 0) | (4 if now is not None else 0)) + u16(0) + u16(0)
    if now is not None:
        h += u64(now << 8)
    if token:
        h += blob(token)
    h += u32(intents) + u8(shards[0] - 1) + u8(shards[1]) + u64(seed)
    if gate:
        h += u16(gate[0]) + u16(gate[1]) + u32(gate[2]) + u8(gate[3] - 1)
    return h


START, OPEN = u8(0), u8(1)


def close(code_index, reason=""):
    return u8(2) + u8(code_index) + blob(reason)


def text(payload):
    return u8(3) + blob(payload)


def compressed(payload, cuts=()):
    return u8(4) + blob(payload) + u8(len(cuts)) + b"".join(u16(c) for c in cuts)


def template(body, how=1, cuts=(), corrupt=None):
    """how % 3 == 0: plain text; else compressed (how % 7 == 1 with corrupt=(at, xor): one byte flipped)."""
    out = u8(7) + body + u8(how)
    if how % 3 != 0:
        if how % 7 == 1:
            at, xor = corrupt or (0, 1)
            out += u16(at) + u8(xor)
        out += u8(len(cuts)) + b"".join(u16(c) for c in cuts)
    return out


def hello(interval=41250):
    return u8(0) + u32(((interval - 1000) << 1) | 1)


def ready(session="sess1", seq=1):
    return u8(1) + u16(seq) + blob(session) + u8(1) + blob("777")


RESUMED, RECONNECT, HB_ACK, HB_REQUEST = u8(2), u8(3), u8(5), u8(6)


def invalid(resumable):
    return u8(4) + u8(1 if resumable else 0)


def dispatch(name, seq, value):
    return u8(7) + u64(seq) + blob(name) + blob(value)


def clock(ms):
    return u8(9) + u32((ms << 1) | 1 if ms < 120000 else ms & ~1)


def fire(timer):  # 0 heartbeat, 1 reconnect, 2 send queue, 3 hello
    return u8(10) + u8(timer)


def send(payload):
    return u8(13) + blob(payload)


def presence(status):
    return u8(14) + blob(status)


SHUTDOWN = u8(15)


def gateway_bot(answer):
    return u8(31) + blob(answer)


def gateway_seeds():
    up = START + OPEN + template(hello(), how=2) + template(ready(), how=4, cuts=(5, 20))
    write("fuzz_gateway", "identify-ready", gw_header() + up + clock(40000) + fire(0) + template(HB_ACK, how=0))
    write("fuzz_gateway", "resume", gw_header(flags=32) + up + template(RECONNECT, how=2) + close(4) + fire(1) + OPEN
          + template(hello(45000), how=2) + template(RESUMED, how=2) + template(dispatch("MESSAGE_CREATE", 2, "hi"),
                                                                              how=5))
    write("fuzz_gateway", "invalid-session", gw_header() + up + template(invalid(False), how=2) + close(4) + fire(1)
          + OPEN + template(hello(), how=0) + template(ready("s2"), how=0))
    write("fuzz_gateway", "zombie", gw_header() + up + fire(0) + clock(50000) + fire(0) + fire(0) + close(0) + fire(1))
    write("fuzz_gateway", "fatal-4004", gw_header(flags=8) + up + close(8, "Authentication failed.") + fire(1))
    write("fuzz_gateway", "send-limit", gw_header() + up + b"".join(send('{"op":3,"d":null}') for _ in range(30))
          + presence("3/5 servers running") + clock(61000) + u8(10) + u8(2))
    write("fuzz_gateway", "compressed-text", gw_header(flags=3) + START + OPEN
          + compressed('{"op":10,"d":{"heartbeat_interval":41250}}', cuts=(2, 9))
          + compressed('{"op":0,"s":1,"t":"READY","d":{"session_id":"x","resume_gateway_url":"wss://r"}}{"op":11}'))
    write("fuzz_gateway", "corrupt", gw_header() + up + template(HB_ACK, how=8, corrupt=(3, 0x40)) + close(4))
    write("fuzz_gateway", "raw", gw_header() + START + OPEN + u8(6) + blob(b"\x78\x9c\x00\x00\xff\xff")
          + u8(6) + blob(b"\x78\x9c\xff\xff\x00\x00\xff\xff"))
    write("fuzz_gateway", "gated", gw_header(gate=(1000, 2, 5000, 2), shards=(4, 3)) + START + fire(1) + OPEN
          + template(hello(), how=0) + gateway_bot('{"url":"wss://g","shards":4,"session_start_limit":{"total":1000,'
                                                   '"remaining":0,"reset_after":60000,"max_concurrency":1}}')
          + template(invalid(False), how=0) + close(4) + clock(70000) + fire(1))
    write("fuzz_gateway", "shutdown", gw_header(token="a\"b\\c\x01d") + up + SHUTDOWN + close(1))


# ---- fuzz_ratelimit: pieces separated by '\n' (see fuzz_ratelimit.c) ----

def ratelimit_seeds():
    write("fuzz_ratelimit", "headers",
          "\x00\x00\xc8\nPOST\n/api/v10/channels/123456789012345678/messages\n"
          "X-RateLimit-Limit\n5\nX-RateLimit-Remaining\n4\nX-RateLimit-Reset\n1470173023.123\n"
          "X-RateLimit-Reset-After\n1.234\nX-RateLimit-Bucket\nabcd1234\n")
    write("fuzz_ratelimit", "429-global",
          "\x01\x01\xad\nGET\n/guilds/81384788765712384/members/@me\nRetry-After\n3\nX-RateLimit-Global\ntrue\n"
          "X-RateLimit-Scope\nglobal\nVia\n1.1 google\n\n{\"message\": \"You are being rate limited.\", "
          "\"retry_after\": 64.57, \"global\": true}")
    write("fuzz_ratelimit", "429-cloudflare",
          "\x02\x01\xad\nPATCH\n/webhooks/223704706495545344/aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789/messages/@original\n"
          "Content-Type\ntext/html; charset=UTF-8\n\n<html><body>Error 1015</body></html>")
    write("fuzz_ratelimit", "interaction",
          "\x03\x00\xcc\nPOST\n/interactions/1234567890123456789/aW50ZXJhY3Rpb246MTIzNDU2Nzg5/callback\n"
          "X-RateLimit-Bucket\n" + "f" * 40 + "\nX-RateLimit-Reset-After\n1e-05\n")
    write("fuzz_ratelimit", "delete-old",
          "\x04\x00\xcc\nDELETE\n/channels/1/messages/175928847299117063\nX-RateLimit-Remaining\n0\n"
          "X-RateLimit-Reset-After\n99999999999999999999.99999\n")
    write("fuzz_ratelimit", "reactions",
          "\x05\x00\xcc\nPUT\n/channels/1234567890/messages/98765/reactions/%F0%9F%91%8D/@me?x=1#f\n"
          "x-ratelimit-reset-after\n  0.001  \n")


# ---- fuzz_custom_id ----

def custom_id_seeds():
    # byte 0: mode; then the custom_id (mode 0) or '\x00'-separated parts (mode 1: view, action, args...)
    write("fuzz_custom_id", "plain", b"\x00fz:echo:valheim.bob:2")
    write("fuzz_custom_id", "encoded", b"\x00fz:echo:a%3Ab:100%25:%zz:%4")
    write("fuzz_custom_id", "bound", b"\x00:3f5h.1xyz:fz:echo:x")
    write("fuzz_custom_id", "unknown", b"\x00server:stop:valheim")
    write("fuzz_custom_id", "empty-parts", b"\x00fz:echo::::")
    # mode 1: a flags byte (1 bind to user 42, 2 expired, 4 pressed by user 43), then NUL-separated parts
    write("fuzz_custom_id", "roundtrip", b"\x01\x00fz\x00echo\x00a:b\x00100%\x00\x00\xc3\xa4")
    write("fuzz_custom_id", "roundtrip-bind", b"\x01\x01fz\x00echo\x00x\x00y")
    write("fuzz_custom_id", "roundtrip-expired", b"\x01\x03fz\x00echo\x00x")
    write("fuzz_custom_id", "roundtrip-other-user", b"\x01\x05fz\x00echo\x00x")
    write("fuzz_custom_id", "roundtrip-long", b"\x01\x00fz\x00echo\x00" + b":" * 30)
    write("fuzz_custom_id", "roundtrip-bad-names", b"\x01\x00a:b\x00\x00x")
    # mode 2: "USER EXPIRES"
    write("fuzz_custom_id", "bindtrip", b"\x0281384788765712384 1735000000")
    write("fuzz_custom_id", "bindtrip-bad", b"\x02007x -5")


# ---- text parsers ----

def timer_seeds():
    # byte 0: zone; bytes 1-8: now (big-endian seconds); the rest: the timer text
    now = u64(1735000000)
    for i, t in enumerate(["15m", "15", "2h", "1d12h", "1h30m15s", "22:30", "9h05", "24:00", "2025-12-24.18:00",
                           "2024/12/25.14h00", "2025-03-30 02:30", "2025-10-26T02:30", "0m", "-15m", "366d",
                           "2025-02-30.10:00", "25:00", "  7M  ", "999999999s"]):
        write("fuzz_timer", "%02d" % i, u8(i % 5) + now + t.encode())


def schedule_seeds():
    # byte 0: zone; bytes 1-8: now; 9-16: anchor offset; then the rule text
    now = u64(1735000000)
    anchor = u64(0)
    for i, t in enumerate(["daily 04:00", "every day at 04:00", "weekdays 23:30", "weekends 10:00", "mon,thu 18:00",
                           "fri-mon 02:30", "mo,di 06:00", "every 6h", "every 1h30m", "every 90 minutes",
                           "every hour", "0 4 * * 1-5", "cron */15 2-3 * 3,10 sun", "5/15 * 29 2 *",
                           "0 0 30 2 *", "0 0 31 * 1", "30 2 * * *", "once 2025-12-24T17:00:00Z", "once at 22:30",
                           "15m", "daily 24:00", "* * * * *", "58,1 * * * *", "0 12 1 jan-dec mon-sun"]):
        write("fuzz_schedule", "%02d" % i, u8(i % 5) + now + anchor + t.encode())


def tz_seeds():
    for i, t in enumerate(["UTC0", "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT", "AEST-10AEDT,M10.1.0,M4.1.0/3",
                           "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
                           "IST-2IDT,M3.4.4/26,M10.5.0", "EST5EDT,0/0,J365/25", "<+13>-13", "XXX3YYY,J60,J300/167",
                           "WGT3WGST,M3.5.0/-2,M10.5.0/-1", "NZST-12NZDT,M9.5.0,M4.1.0/3"]):
        write("fuzz_tz", "posix-%02d" % i, b"P" + t.encode())
    # Synthetic TZif files (RFC 8536), built here rather than copied from tzdata.
    write("fuzz_tz", "tzif-v2-footer", tzif([(1711846800, 1), (1729990800, 0)], [(3600, 0, "CET"), (7200, 1, "CEST")],
                                            "CET-1CEST,M3.5.0,M10.5.0/3"))
    write("fuzz_tz", "tzif-v2-no-footer", tzif([(-100, 1), (0, 0), (100, 1)], [(0, 0, "AAA"), (93600, 1, "BBB")], ""))
    write("fuzz_tz", "tzif-v1", tzif([(1000000, 1)], [(-18000, 0, "EST"), (-14400, 1, "EDT")], None, version=b"\0"))
    write("fuzz_tz", "tzif-skip-day", tzif([(1325239200, 1)], [(-36000, 1, "-10"), (50400, 1, "+14")], "<+14>-14"))


def tzif(transitions, types, footer, version=b"2"):
    """A TZif file: transitions [(time, type index)], types [(utoff, isdst, abbreviation)], POSIX footer or None."""
    chars = b""
    index = []
    for _, _, abbr in types:
        index.append(len(chars))
        chars += abbr.encode() + b"\0"

    def block(size):
        out = b"".join(struct.pack(">q" if size == 8 else ">i", t) for t, _ in transitions)
        out += bytes(i for _, i in transitions)
        out += b"".join(struct.pack(">iBB", off, dst, index[k]) for k, (off, dst, _) in enumerate(types))
        return out + chars

    def header():
        return b"TZif" + version + b"\0" * 15 + struct.pack(">6I", 0, 0, 0, len(transitions), len(types), len(chars))

    data = header() + block(4)
    if version != b"\0":
        data += header() + block(8) + b"\n" + (footer or "").encode() + b"\n"
    return data


def config_seeds():
    # the .env text, a NUL, then the environment as KEY=VALUE lines
    write("fuzz_config", "full",
          "# comment\nDISCORD_TOKEN=MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnopqrstuvwxyz0123\n"
          "export LOG_LEVEL=debug\nPEON_CONTROL_CHANNEL='peon-admin' # c\nTIMEZONE=\"Europe/Berlin\"\n"
          "PEON_SHARDS=0-3/8\nPEON_POLL_SECONDS=15\nPEON_SCHEDULE_GRACE=0\nPEON_WATCH=yes\n\x00"
          "LOCAL_API_KEY=secret-key\nPEON_ORCHESTRATOR_URL=http://orc:5000///\n")
    write("fuzz_config", "legacy", "CONTROL_CHANNEL=peon\nLANGUAGE=german\nDEV_MODE=enabled\nLOCAL_API_KEY=k3y!\n\x00"
          "ENABLE_LEGACY_COMMANDS=on\r\nDISCORD_API_BASE=https://discord.test/api/v10/\n")
    write("fuzz_config", "bad", "DISCORD_TOKEN=Bot abc\nA=\"open\n\x00PEON_SHARDS=9/3\n")
    write("fuzz_config", "values", "X=abc#1\nY = spaced # comment\nZ=\nQ='x'  # t\n\x00DISCORD_GUILD_ID=123456789012345\n"
          "TIMEZONE=../etc/passwd\nPEON_LANGUAGE=fr\n")


if __name__ == "__main__":
    gateway_seeds()
    ratelimit_seeds()
    custom_id_seeds()
    timer_seeds()
    schedule_seeds()
    tz_seeds()
    config_seeds()
