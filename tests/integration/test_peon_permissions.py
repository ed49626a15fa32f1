"""Role grants and the audit log through the real binary and both simulators: operate is open until a role
is granted it, then only that role (and server administrators) may start servers; manage through a grant;
/permissions is for administrators; /audit shows who did what."""
from botrun import ADMIN, ORC_KEY, assert_clean_sanitizers
from test_peon_server import answer, embed_text, opts, puts

MEMBER = "500000000000000042"


def roles(sim):
    return {r["name"]: r["id"] for r in sim.state()["guilds"][0]["roles"]}


def permissions(sim, sub, role=None, capability=None, **extra):
    options = []
    if role is not None:
        options.append({"name": "role", "type": 8, "value": role})
    if capability is not None:
        options.append({"name": "capability", "type": 3, "value": capability})
    return answer(sim, sim.command("permissions", [{"name": sub, "type": 1, "options": options}], **extra))


def finish(process):
    assert process.stop() == 0
    assert ORC_KEY not in process.stderr()
    assert_clean_sanitizers(process.stderr())


def test_operate_is_open_until_granted_then_only_for_the_role(peon, sim, orc):
    process = peon()
    players = roles(sim)["Players"]
    started = answer(sim, sim.command("server", opts(action="start", server="palworld.alice"), user_id=MEMBER))
    assert "palworld.alice is starting" in embed_text(started)  # nobody restricted operate yet

    refused = permissions(sim, "grant", players, "operate", user_id=MEMBER)  # a member can't grant
    assert "'admin' capability" in (refused.get("content") or "") and refused["flags"] & 64
    granted = permissions(sim, "grant", players, "operate", permissions=ADMIN)
    assert "now holds **operate**" in embed_text(granted)

    before = len(puts(orc, "restart"))
    refused = answer(sim, sim.command("server", opts(action="restart", server="palworld.alice"), user_id=MEMBER))
    assert "may not restart" in embed_text(refused) and "/permissions grant" in embed_text(refused)
    assert len(puts(orc, "restart")) == before  # nothing sent
    allowed = answer(sim, sim.command("server", opts(action="restart", server="palworld.alice"), user_id=MEMBER,
                                      roles=[players]))
    assert "palworld.alice is restarting" in embed_text(allowed)
    info = answer(sim, sim.command("server", opts(action="info", server="palworld.alice"), user_id=MEMBER))
    assert "palworld.alice" in embed_text(info)  # view stays open to everyone

    listed = permissions(sim, "list", permissions=ADMIN)
    assert f"<@&{players}>" in embed_text(listed)
    revoked = permissions(sim, "revoke", players, "operate", permissions=ADMIN)
    assert "no longer holds **operate**" in embed_text(revoked)
    again = answer(sim, sim.command("server", opts(action="restart", server="palworld.alice"), user_id=MEMBER))
    assert "palworld.alice is restarting" in embed_text(again)  # no grant left: open again
    finish(process)


def test_manage_through_a_role_and_the_audit_log(peon, sim, orc):
    process = peon()
    players = roles(sim)["Players"]
    refused = answer(sim, sim.command("server", opts(action="update", server="valheim.bob", mode="image"),
                                      user_id=MEMBER, roles=[players]))
    assert "may not update" in embed_text(refused)
    permissions(sim, "grant", players, "manage", permissions=ADMIN)
    updated = answer(sim, sim.command("server", opts(action="update", server="valheim.bob", mode="image"),
                                      user_id=MEMBER, roles=[players]))
    assert "valheim.bob is updating" in embed_text(updated)
    orc.fail_next("PUT /server/restart/*", status=400, body={"status": "error", "info": "compose failed"})
    answer(sim, sim.command("server", opts(action="restart", server="valheim.bob"), user_id=MEMBER))

    log = embed_text(answer(sim, sim.command("audit", [], permissions=ADMIN)))
    lines = [line for line in log.splitlines() if "valheim.bob" in line]
    assert len(lines) == 2, log
    assert "❌" in lines[0] and "restart" in lines[0] and f"<@{MEMBER}>" in lines[0]
    assert "✅" in lines[1] and "update" in lines[1] and "image" in lines[1]
    only_grants = embed_text(answer(sim, sim.command("audit", [{"name": "server", "type": 3,
                                                                 "value": "palworld.alice"}], permissions=ADMIN)))
    assert "valheim.bob" not in only_grants
    member_view = answer(sim, sim.command("audit", [], user_id=MEMBER))
    assert "'manage' capability" in (member_view.get("content") or "")
    finish(process)


def test_python_bots_orchestrator_list_is_imported_once(peon, sim, orc, tmp_path):
    import json
    legacy = tmp_path / "peon.orchestrators.json"
    legacy.write_text(json.dumps([
        {"name": "local", "url": "http://peon.orc:5000", "key": "old-key-x1"},  # the environment's "local" wins
        {"name": "legacy", "url": orc.url + "/", "key": f"'{ORC_KEY}'"},  # quoted, as old versions wrote it
        {"name": "broken", "url": "not a url", "key": "x"},
    ]))
    process = peon(PEON_IMPORT_ORCHESTRATORS=str(legacy))
    notice = json.dumps(sim.messages("peon", count=1, timeout=10), ensure_ascii=False)
    assert "Orchestrators imported from the Python bot" in notice
    assert "Imported: legacy" in notice and "left as they are: local" in notice and "1 entr" in notice
    assert ORC_KEY not in notice and "old-key-x1" not in notice
    listing = embed_text(answer(sim, sim.command("server", opts(action="info", server="valheim.bob@legacy"))))
    assert "valheim.bob" in listing and "running" in listing  # the imported entry works, quotes gone
    assert "imported 1 orchestrators" in process.stderr()
    finish(process)

    again = peon(PEON_IMPORT_ORCHESTRATORS=str(legacy))  # same data directory: nothing imported twice
    sim.wait_ready(count=2)
    answer(sim, sim.command("ping"))
    notices = [m for m in sim.messages("peon") if "imported from the Python bot" in json.dumps(m)]
    assert "imported" not in again.stderr() and len(notices) == 1
    finish(again)
