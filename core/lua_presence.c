/* host.set_presence(text): the bot's presence (a custom status) on every shard of this process, through
 * gateway_set_presence, which sends only when the text changed. Returns false while there is no gateway
 * (not started yet, or stopping), so a script can simply try again with its next update. */
#include <lauxlib.h>
#include <string.h>

#include "gateway.h"
#include "lua_host_internal.h"

int lua_presence_set(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (len != strlen(text)) return luaL_argerror(L, 1, "the text must not contain NUL bytes");
    void *ud;
    lua_getallocf(L, &ud);
    lua_host *host = ud;
    if (host == NULL || host->gateway == NULL) {
        lua_pushboolean(L, 0);
        return 1;
    }
    gateway_set_presence(host->gateway, text);
    lua_pushboolean(L, 1);
    return 1;
}
