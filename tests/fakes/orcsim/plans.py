"""The local clone of peon-warplans (plans.json + plan folders) and its upstream.

`PUT /plans` does `git reset --hard && git pull`: the local copy becomes the upstream copy.
Tests add upstream-only ("pending") entries to see them arrive as `new_recipies`.
"""
import copy

from .catalogue import builtin_catalogue, builtin_plans, catalogue_entry


class PlanStore:
    def __init__(self):
        self.local_catalogue = builtin_catalogue()    # None = plans.json missing
        self.local_plans = builtin_plans()            # game_uid -> plan.json document
        self.upstream_catalogue = copy.deepcopy(self.local_catalogue)
        self.upstream_plans = copy.deepcopy(self.local_plans)
        self.pulls = 0

    # --- reads as the orchestrator does them ---

    def sorted_catalogue(self):
        """get_plans_local: None when the file is missing or unusable."""
        if self.local_catalogue is None:
            return None
        try:
            return sorted(copy.deepcopy(self.local_catalogue), key=lambda e: e["title"])
        except (KeyError, TypeError):
            return None

    def plan(self, game_uid):
        doc = self.local_plans.get(game_uid)
        return copy.deepcopy(doc) if isinstance(doc, dict) else None

    def settings_for(self, game_uid):
        """GET /plan/<game_uid>: required ("" ) first, then optional defaults as strings,
        then description. None when the plan can't be read."""
        plan = self.plan(game_uid)
        if plan is None:
            return None
        try:
            description = plan["metadata"]["description"]
            if description == "":
                description = f"A PEON game server for {game_uid}."
            required, optional = {}, {}
            for key, value in plan["environment"].items():
                if key in ("STEAM_ID",):
                    continue
                if value:
                    optional[key] = f"{value}"
                else:
                    required[key] = ""
            required.update(optional)
            required["description"] = description
            return required
        except (KeyError, TypeError, AttributeError):
            return None

    # --- changes ---

    def pull(self):
        self.pulls += 1
        self.local_catalogue = copy.deepcopy(self.upstream_catalogue)
        self.local_plans = copy.deepcopy(self.upstream_plans)

    def add(self, game_uid, title, plan=None, *, catalogue=True, folder=True, pending=False):
        """Add a plan upstream; unless pending, also locally (as if already pulled)."""
        entry = catalogue_entry(game_uid, title)
        targets = [(self.upstream_catalogue, self.upstream_plans)]
        if not pending:
            targets.append((self.local_catalogue, self.local_plans))
        for cat, plans in targets:
            if catalogue and cat is not None:
                cat[:] = [e for e in cat if e.get("game_uid") != game_uid] + [dict(entry)]
            if folder and plan is not None:
                plans[game_uid] = copy.deepcopy(plan)
        if not pending and catalogue and self.local_catalogue is None:
            self.local_catalogue = [dict(entry)]

    def remove(self, game_uid, *, catalogue=True, folder=True, upstream=True):
        pairs = [(self.local_catalogue, self.local_plans)]
        if upstream:
            pairs.append((self.upstream_catalogue, self.upstream_plans))
        for cat, plans in pairs:
            if catalogue and cat is not None:
                cat[:] = [e for e in cat if e.get("game_uid") != game_uid]
            if folder:
                plans.pop(game_uid, None)

    def set_local_catalogue(self, state):
        """'missing' (no plans.json), 'empty' ([]), or 'restore' (= upstream)."""
        if state == "missing":
            self.local_catalogue = None
        elif state == "empty":
            self.local_catalogue = []
        elif state == "restore":
            self.local_catalogue = copy.deepcopy(self.upstream_catalogue)
        else:
            raise ValueError("state must be missing, empty or restore")

    def describe(self):
        return {"local_catalogue": copy.deepcopy(self.local_catalogue),
                "local_plans": sorted(self.local_plans),
                "upstream_catalogue": copy.deepcopy(self.upstream_catalogue),
                "upstream_plans": sorted(self.upstream_plans),
                "pulls": self.pulls}

