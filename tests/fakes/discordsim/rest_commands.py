"""REST routes for application commands, global and per guild."""
from .bodies import read_body
from .errors import ApiError, json_response


class CommandRoutes:
    def __init__(self, world):
        self.world = world

    def routes(self):
        out = []
        for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
            out += [
                ("GET", prefix + "/commands", self.list, True),
                ("POST", prefix + "/commands", self.create, True),
                ("PUT", prefix + "/commands", self.overwrite, True),
                ("GET", prefix + "/commands/{command_id}", self.get, True),
                ("PATCH", prefix + "/commands/{command_id}", self.edit, True),
                ("DELETE", prefix + "/commands/{command_id}", self.delete, True),
            ]
        return out

    def _scope(self, request):
        world = self.world
        if request.match_info["application_id"] != world.application_id:
            raise ApiError(403, 20012, "You are not authorized to perform this action on this application")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return "global"
        if guild_id not in world.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    async def list(self, request):
        scope = self._scope(request)
        commands = self.world.commands.list(scope)
        if request.query.get("with_localizations", "").lower() not in ("true", "1"):
            commands = [{k: v for k, v in c.items() if k not in ("name_localizations", "description_localizations")}
                        for c in commands]
        return json_response(200, commands)

    async def create(self, request):
        scope = self._scope(request)
        body, _ = await read_body(request)
        command, created = self.world.commands.upsert(scope, body)
        self.world.touch()
        return json_response(201 if created else 200, command)

    async def overwrite(self, request):
        scope = self._scope(request)
        body, _ = await read_body(request)
        commands = self.world.commands.overwrite(scope, body)
        self.world.touch()
        return json_response(200, commands)

    async def get(self, request):
        scope = self._scope(request)
        return json_response(200, self.world.commands.get(scope, request.match_info["command_id"]))

    async def edit(self, request):
        scope = self._scope(request)
        body, _ = await read_body(request)
        command = self.world.commands.edit(scope, request.match_info["command_id"], body)
        self.world.touch()
        return json_response(200, command)

    async def delete(self, request):
        scope = self._scope(request)
        self.world.commands.delete(scope, request.match_info["command_id"])
        self.world.touch()
        return json_response(204, None)
