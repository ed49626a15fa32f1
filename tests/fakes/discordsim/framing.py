"""zlib-stream transport compression as Discord does it: one compressor per connection, every payload
flushed with Z_SYNC_FLUSH (so each message ends with 00 00 ff ff), optionally split or packed."""
import zlib

SYNC_MARKER = b"\x00\x00\xff\xff"


class ZlibStream:
    def __init__(self):
        self._compressor = zlib.compressobj()  # zlib format (RFC 1950 header once, at the start)

    def encode(self, texts):
        """Compresses payloads back to back; each one ends on a sync-flush boundary."""
        out = bytearray()
        for text in texts:
            out += self._compressor.compress(text.encode("utf-8"))
            out += self._compressor.flush(zlib.Z_SYNC_FLUSH)
        return bytes(out)


def split_message(data, parts):
    """Cuts one compressed message into `parts` websocket messages. Only the last may end with the sync
    marker, otherwise a client would (rightly) try to inflate an incomplete buffer."""
    parts = max(1, min(parts, len(data)))
    if parts == 1:
        return [data]
    size = len(data) // parts
    chunks = []
    start = 0
    for index in range(parts - 1):
        end = max(start + 1, (index + 1) * size)
        while end < len(data) - 1 and data[start:end].endswith(SYNC_MARKER):
            end += 1
        if end >= len(data):
            break
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return chunks
