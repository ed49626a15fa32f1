"""Interaction callbacks and the interaction webhook (@original, followups): the 3 s first-answer deadline,
one initial answer only, callback types per interaction type, the token's lifetime."""
import time

from .bodies import read_body
from .errors import ApiError, FormErrors, json_response, unknown, UNKNOWN_INTERACTION, UNKNOWN_MESSAGE, UNKNOWN_WEBHOOK
from .interactions import ALL_CALLBACK_TYPES, COMMAND
from .rest_core import kept_attachments, make_attachments
from .validate import (EPHEMERAL, INTERACTION_MESSAGE_FLAGS, LOADING, check_choices, check_message, check_modal,
                       ensure_not_empty, message_is_empty)

TRUE_VALUES = ("true", "True", "1")


class InteractionRoutes:
    def __init__(self, world):
        self.world = world

    def routes(self):
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.callback, False),
            ("GET", hook + "/messages/@original", self.get_original, False),
            ("PATCH", hook + "/messages/@original", self.edit_original, False),
            ("DELETE", hook + "/messages/@original", self.delete_original, False),
            ("POST", hook, self.followup, False),
            ("GET", hook + "/messages/{message_id}", self.get_followup, False),
            ("PATCH", hook + "/messages/{message_id}", self.edit_followup, False),
            ("DELETE", hook + "/messages/{message_id}", self.delete_followup, False),
        ]

    # ---------------------------------------------------------------------------------------------------
    # the initial response

    async def callback(self, request):
        world = self.world
        interaction = world.interactions.get(request.match_info["interaction_id"])
        if interaction is None or interaction.token != request.match_info["interaction_token"]:
            raise unknown(UNKNOWN_INTERACTION)
        body, files = await read_body(request, multipart=True)
        now = time.monotonic()
        if interaction.initial is not None:
            world.counters["duplicate_callbacks"] += 1
            interaction.record("duplicate_callback", type=body.get("type") if isinstance(body, dict) else None)
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if now - interaction.created > world.config["interaction_deadline"]:
            world.counters["late_callbacks"] += 1
            interaction.record("late_callback", type=body.get("type") if isinstance(body, dict) else None)
            raise unknown(UNKNOWN_INTERACTION)
        kind, data, fields = self._check_callback(interaction, body, len(files))
        world.counters["interaction_callbacks"] += 1
        message = self._apply_callback(interaction, kind, data, fields, files)
        interaction.initial = {"type": kind, "data": data, "at": now}
        interaction.record("callback", type=kind, data=data, message_id=message["id"] if message else None)
        if request.query.get("with_response") in TRUE_VALUES:
            return json_response(200, self._callback_resource(interaction, kind, message))
        return json_response(204, None)

    def _check_callback(self, interaction, body, file_count):
        errors = FormErrors()
        if not isinstance(body, dict):
            errors.bad_type((), "object")
            errors.raise_if_any()
        kind = body.get("type")
        if kind is None:
            errors.required(("type",))
        elif kind not in ALL_CALLBACK_TYPES:
            errors.choices(("type",), ALL_CALLBACK_TYPES)
        elif kind not in interaction.allowed_callbacks():
            errors.add(("type",), "INTERACTION_CALLBACK_TYPE_INVALID",
                       f"Callback type {kind} is not valid for interaction type {interaction.type}")
        errors.raise_if_any()
        data = body.get("data")
        fields = {}
        if kind in (4, 7):
            fields = check_message(errors, ("data",), data if data is not None else {},
                                   allowed_flags=INTERACTION_MESSAGE_FLAGS, partial=True)
        elif kind in (5, 6) and data is not None:
            fields = check_message(errors, ("data",), data, allowed_flags=EPHEMERAL, partial=True)
        elif kind == 8:
            check_choices(errors, ("data",), data)
        elif kind == 9:
            check_modal(errors, ("data",), data)
        errors.raise_if_any()
        if kind == 4:
            ensure_not_empty(fields, file_count)
        return kind, data, fields

    def _response_extra(self, interaction):
        payload = interaction.payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        name = (payload.get("data") or {}).get("name", "")
        return {
            "webhook_id": self.world.application_id, "application_id": self.world.application_id,
            "interaction": {"id": interaction.id, "type": interaction.type, "name": name, "user": user},
            "interaction_metadata": {"id": interaction.id, "type": interaction.type, "user": user,
                                     "authorizing_integration_owners": payload.get("authorizing_integration_owners",
                                                                                   {})},
        }

    def _new_answer(self, interaction, fields, files, *, msg_type):
        world = self.world
        channel_id = interaction.payload["channel_id"]
        message = world.make_message(channel_id, fields, msg_type=msg_type,
                                     attachments=make_attachments(world, channel_id, files, fields.get("attachments")),
                                     extra=self._response_extra(interaction))
        if not message["flags"] & EPHEMERAL:
            world.store_in_channel(message)
        return message

    def _apply_callback(self, interaction, kind, data, fields, files):
        world = self.world
        msg_type = 20 if interaction.type == COMMAND else 0
        if kind == 4:
            message = self._new_answer(interaction, fields, files, msg_type=msg_type)
        elif kind == 5:
            flags = LOADING | (fields.get("flags", 0) & EPHEMERAL)
            message = self._new_answer(interaction, {"content": "", "flags": flags}, [], msg_type=msg_type)
        elif kind in (6, 7):
            source = interaction.payload.get("message") or {}
            message = world.message_index.get(source.get("id"))
            if kind == 7 and message is not None:
                attachments = None
                if "attachments" in fields or files:
                    attachments = (kept_attachments(message["attachments"], fields.get("attachments"))
                                   + make_attachments(world, message["channel_id"], files, fields.get("attachments")))
                world.edit_message(message, fields, attachments)
        else:
            message = None
        if message is not None:
            interaction.original_id = message["id"]
        return message

    def _callback_resource(self, interaction, kind, message):
        info = {"id": interaction.id, "type": interaction.type}
        resource = {"type": kind}
        if message is not None:
            info.update(response_message_id=message["id"],
                        response_message_loading=bool(message["flags"] & LOADING),
                        response_message_ephemeral=bool(message["flags"] & EPHEMERAL))
            if kind in (4, 5, 7):
                resource["message"] = message
        return {"interaction": info, "resource": resource}

    # ---------------------------------------------------------------------------------------------------
    # the interaction webhook

    def _interaction_for_webhook(self, request):
        world = self.world
        interaction = None
        if request.match_info["webhook_id"] == world.application_id:
            interaction = world.interactions_by_token.get(request.match_info["webhook_token"])
        if interaction is None:
            raise unknown(UNKNOWN_WEBHOOK)
        age = time.monotonic() - interaction.created
        if age > world.config["token_lifetime"]:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if interaction.initial is None and age > world.config["interaction_deadline"]:
            raise unknown(UNKNOWN_WEBHOOK)  # never acknowledged: the token died with the deadline
        return interaction

    def _original(self, interaction):
        message = self.world.message_index.get(interaction.original_id) if interaction.original_id else None
        if message is None:
            raise unknown(UNKNOWN_MESSAGE)
        return message

    def _owned_message(self, interaction, message_id):
        if message_id != interaction.original_id and message_id not in interaction.followup_ids:
            raise unknown(UNKNOWN_MESSAGE)
        message = self.world.message_index.get(message_id)
        if message is None:
            raise unknown(UNKNOWN_MESSAGE)
        return message

    async def _edit(self, request, interaction, message, kind):
        world = self.world
        body, files = await read_body(request, multipart=True)
        errors = FormErrors()
        fields = check_message(errors, (), body, allowed_flags=INTERACTION_MESSAGE_FLAGS, partial=True)
        errors.raise_if_any()
        if "flags" in fields:  # EPHEMERAL and LOADING are not the editor's to change
            fields["flags"] = (fields["flags"] & ~EPHEMERAL) | (message["flags"] & EPHEMERAL)
        else:
            fields["flags"] = message["flags"] & ~LOADING
        fields["flags"] &= ~LOADING
        attachments = None
        if "attachments" in fields or files:
            kept = (kept_attachments(message["attachments"], fields.get("attachments"))
                    if "attachments" in fields else list(message["attachments"]))
            attachments = kept + make_attachments(world, message["channel_id"], files, fields.get("attachments"))
        merged = dict(message, **{k: v for k, v in fields.items() if k in ("content", "embeds", "components")})
        if attachments is not None:
            merged["attachments"] = attachments
        if message_is_empty(merged):
            raise ApiError(400, 50006, "Cannot send an empty message")
        world.edit_message(message, fields, attachments)
        interaction.record(kind, data=body, message_id=message["id"])
        return json_response(200, message)

    async def get_original(self, request):
        interaction = self._interaction_for_webhook(request)
        return json_response(200, self._original(interaction))

    async def edit_original(self, request):
        interaction = self._interaction_for_webhook(request)
        return await self._edit(request, interaction, self._original(interaction), "edit_original")

    async def delete_original(self, request):
        interaction = self._interaction_for_webhook(request)
        message = self._original(interaction)
        self.world.delete_message(message)
        interaction.record("delete_original", message_id=message["id"])
        return json_response(204, None)

    async def followup(self, request):
        world = self.world
        interaction = self._interaction_for_webhook(request)
        if interaction.initial is None:
            raise unknown(UNKNOWN_WEBHOOK)
        body, files = await read_body(request, multipart=True)
        errors = FormErrors()
        fields = check_message(errors, (), body, allowed_flags=INTERACTION_MESSAGE_FLAGS, partial=True)
        errors.raise_if_any()
        ensure_not_empty(fields, len(files))
        original = world.message_index.get(interaction.original_id) if interaction.original_id else None
        if (world.config["followup_edits_loading"] and original is not None and original["flags"] & LOADING
                and not interaction.followup_ids):
            # Legacy behaviour: the first followup after a defer fills the "thinking" message.
            fields["flags"] = original["flags"] & EPHEMERAL
            world.edit_message(original, fields, make_attachments(world, original["channel_id"], files,
                                                                  fields.get("attachments")) or None)
            interaction.record("followup", data=body, message_id=original["id"], edited_original=True)
            return json_response(200, original)
        message = self._new_answer(interaction, fields, files, msg_type=0)
        interaction.followup_ids.append(message["id"])
        interaction.record("followup", data=body, message_id=message["id"], edited_original=False)
        return json_response(200, message)

    async def get_followup(self, request):
        interaction = self._interaction_for_webhook(request)
        return json_response(200, self._owned_message(interaction, request.match_info["message_id"]))

    async def edit_followup(self, request):
        interaction = self._interaction_for_webhook(request)
        message = self._owned_message(interaction, request.match_info["message_id"])
        return await self._edit(request, interaction, message, "edit_followup")

    async def delete_followup(self, request):
        interaction = self._interaction_for_webhook(request)
        message = self._owned_message(interaction, request.match_info["message_id"])
        self.world.delete_message(message)
        interaction.record("delete_followup", message_id=message["id"])
        return json_response(204, None)
