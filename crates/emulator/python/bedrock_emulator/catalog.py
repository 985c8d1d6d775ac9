"""The catalog of foundation models and system-defined inference profiles: catalog.json,
and, per region, what a real account answered (`cargo xtask local catalog --from-aws`), read
from the directory given by --catalog-dir (files <region>.json, re-read when they change):

    {"region": "us-east-1", "foundationModels": [<ListFoundationModels modelSummaries>],
     "inferenceProfiles": [<ListInferenceProfiles SYSTEM_DEFINED summaries>]}

A region with such a file offers exactly its models and profiles, as the account did.
"""

import json
import os
from datetime import datetime, timezone

_PATH = os.path.join(os.path.dirname(__file__), "catalog.json")
with open(_PATH, encoding="utf-8") as f:
    _DATA = json.load(f)

GEOGRAPHIES: dict = _DATA["geographies"]
GLOBAL_SOURCES: list = _DATA["global_source_regions"]
_GEO_NAMES: dict = _DATA["geography_names"]
MODELS: list = _DATA["models"]
FOUNDATION_ONLY: list = _DATA["foundation_only"]

# System-defined profiles have existed since before any application profile.
SYSTEM_CREATED = datetime(2024, 8, 27, 0, 0, 0, tzinfo=timezone.utc)

_accounts = {"dir": None, "stamp": None, "regions": {}}


def set_account_dir(directory):
    _accounts["dir"] = directory


def _read() -> dict:
    """region -> an account's answers, re-read when the directory's files change."""
    directory = _accounts["dir"]
    if not directory or not os.path.isdir(directory):
        return {}
    files = sorted(f for f in os.listdir(directory) if f.endswith(".json"))
    stamp = tuple((f, os.stat(os.path.join(directory, f)).st_mtime_ns) for f in files)
    if stamp != _accounts["stamp"]:
        regions = {}
        for f in files:
            try:
                with open(os.path.join(directory, f), encoding="utf-8") as handle:
                    data = json.load(handle)
                regions[data["region"]] = data
            except (OSError, ValueError, KeyError):
                continue  # a file being written, or not one of ours
        _accounts["regions"], _accounts["stamp"] = regions, stamp
    return _accounts["regions"]


def _account(region: str):
    return _read().get(region)


def _account_profile(data: dict, profile: dict) -> dict:
    arns = [m["modelArn"] for m in profile.get("models", [])]
    return {
        "id": profile["inferenceProfileId"],
        "name": profile.get("inferenceProfileName", profile["inferenceProfileId"]),
        "description": profile.get("description", ""),
        "model": arns[0].rsplit("/", 1)[1] if arns else "",
        "regions": [a.split(":")[3] for a in arns if a.split(":")[3]],
        "sources": [data["region"]],
        "arns": arns,
        "view": profile,
    }


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def foundation_model_arn(region: str, model_id: str) -> str:
    return f"arn:{partition_of(region)}:bedrock:{region}::foundation-model/{model_id}"


def foundation_model_regions(model_id: str) -> set:
    accounts = _read()
    regions = {r for r in _builtin_regions(model_id) if r not in accounts}
    for region, data in accounts.items():
        if any(m.get("modelId") == model_id for m in data.get("foundationModels", [])):
            regions.add(region)
    return regions


def on_demand(model_id: str, region: str) -> bool:
    """Whether the model answers on-demand calls by its own id (newer models serve only
    through an inference profile: "... with on-demand throughput isn't supported")."""
    data = _account(region)
    if data is not None:
        entry = next((m for m in data.get("foundationModels", []) if m.get("modelId") == model_id), None)
        return entry is not None and "ON_DEMAND" in entry.get("inferenceTypesSupported", [])
    if any(m["id"] == model_id for m in FOUNDATION_ONLY):
        return True
    return not model_id.startswith("anthropic.claude-") or "3-haiku" in model_id or "3-5-sonnet-20240620" in model_id


def _builtin_regions(model_id: str) -> set:
    for m in MODELS:
        if m["id"] == model_id:
            return {r for g in m["geographies"] for r in GEOGRAPHIES[g]}
    for m in FOUNDATION_ONLY:
        if m["id"] == model_id:
            return set(m["regions"])
    return set()


def _system_profiles():
    for m in MODELS:
        for geo in m["geographies"]:
            yield {
                "id": f"{geo}.{m['id']}",
                "name": f"{_GEO_NAMES[geo]} {m['name']}",
                "model": m["id"],
                "regions": GEOGRAPHIES[geo],
                # Where the profile is offered: its geography, or nearly everywhere for global.
                "sources": GLOBAL_SOURCES if geo == "global" else GEOGRAPHIES[geo],
                "description": f"Routes requests to {m['name']} in "
                + ", ".join(GEOGRAPHIES[geo])
                + ".",
            }


SYSTEM_PROFILES = sorted(_system_profiles(), key=lambda p: p["id"])


def system_profile(profile_id: str, region: str):
    """The system-defined profile with this id offered in `region`, or None."""
    data = _account(region)
    if data is not None:
        for p in data.get("inferenceProfiles", []):
            if p.get("inferenceProfileId") == profile_id:
                return _account_profile(data, p)
        return None
    for p in SYSTEM_PROFILES:
        if p["id"] == profile_id and region in p["sources"]:
            return p
    return None


def system_profiles_in(region: str) -> list:
    data = _account(region)
    if data is not None:
        return [_account_profile(data, p) for p in data.get("inferenceProfiles", [])]
    return [p for p in SYSTEM_PROFILES if region in p["sources"]]


def profile_model_arns(p: dict, region: str) -> list:
    """The `models` of a system-defined profile offered in `region`, as Bedrock returns them:
    the foundation model in each region of a geographic profile; for a global profile, the
    Region-less foundation model ARN (`arn:aws:bedrock:::foundation-model/...`, which AWS's
    "Global cross-Region inference" IAM section requires) and the one in the source region.
    A profile read from an account has the account's list."""
    if "arns" in p:
        return list(p["arns"])
    if p["id"].startswith("global."):
        partition = partition_of(region)
        return [
            f"arn:{partition}:bedrock:::foundation-model/{p['model']}",
            foundation_model_arn(region, p["model"]),
        ]
    return [foundation_model_arn(r, p["model"]) for r in p["regions"]]


def serving_regions(model_arns: list) -> list:
    """Where requests through a profile with these `models` may be served: their regions, or
    every region of the global geography for a Region-less (global) model ARN."""
    regions = [a.split(":")[3] for a in model_arns]
    if any(not r for r in regions):
        return list(GEOGRAPHIES["global"])
    return regions


def system_profile_view(p: dict, region: str, account: str) -> dict:
    """A system-defined profile as GetInferenceProfile returns it."""
    if "view" in p:
        return dict(p["view"])
    created = SYSTEM_CREATED.isoformat().replace("+00:00", "Z")
    return {
        "inferenceProfileName": p["name"],
        "description": p["description"],
        "createdAt": created,
        "updatedAt": created,
        "inferenceProfileArn": f"arn:{partition_of(region)}:bedrock:{region}:{account}:inference-profile/{p['id']}",
        "models": [{"modelArn": arn} for arn in profile_model_arns(p, region)],
        "inferenceProfileId": p["id"],
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }


def foundation_model_view(model_id: str, region: str):
    """A foundation model as GetFoundationModel returns it, or None when the region lacks it."""
    data = _account(region)
    if data is not None:
        found = next((m for m in data.get("foundationModels", []) if m.get("modelId") == model_id), None)
        return dict(found) if found else None
    if region not in foundation_model_regions(model_id):
        return None
    entry = next((m for m in MODELS + FOUNDATION_ONLY if m["id"] == model_id), None)
    provider = model_id.split(".", 1)[0]
    embedding = "embed" in model_id
    return {
        "modelArn": foundation_model_arn(region, model_id),
        "modelId": model_id,
        "modelName": entry["name"] if entry else model_id,
        "providerName": {"anthropic": "Anthropic", "amazon": "Amazon", "meta": "Meta", "cohere": "Cohere", "mistral": "Mistral AI", "ai21": "AI21 Labs"}.get(provider, provider),
        "inputModalities": ["TEXT"],
        "outputModalities": ["EMBEDDING"] if embedding else ["TEXT"],
        "responseStreamingSupported": not embedding,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND"] if model_id in {m["id"] for m in FOUNDATION_ONLY} else ["ON_DEMAND", "INFERENCE_PROFILE"],
        "modelLifecycle": {"status": "ACTIVE"},
    }


def foundation_models_in(region: str) -> list:
    data = _account(region)
    if data is not None:
        return [dict(m) for m in data.get("foundationModels", [])]
    ids = sorted({m["id"] for m in MODELS + FOUNDATION_ONLY})
    return [v for v in (foundation_model_view(i, region) for i in ids) if v is not None]
