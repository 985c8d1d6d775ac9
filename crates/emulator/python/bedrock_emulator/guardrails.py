"""Bedrock guardrails (moto has none): CreateGuardrail, UpdateGuardrail, CreateGuardrailVersion,
GetGuardrail, ListGuardrails, DeleteGuardrail and tags on guardrail ARNs, as the service model
defines them (requests have passed validation.py), and a guardrail applied by Converse,
ConverseStream, InvokeModel and InvokeModelWithResponseStream when the request names it, or
on its own by ApplyGuardrail (apply_to_content).

A guardrail has a working draft (version DRAFT), changed by UpdateGuardrail, and numbered
versions ("1", "2", ...) published by CreateGuardrailVersion as snapshots of the draft and
kept until deleted (DeleteGuardrail with a version deletes that one; without, the guardrail
and every version).

Applying one: the text of the request (and of the answer) is checked against the policies
that can be checked without a model: word filters (whole words and phrases, any case),
denied topics by their name and examples appearing literally, PII entities of common
types by pattern (blocked or anonymized), regexes, and the PROFANITY managed word list (a
short list of its common words). Content filters, contextual grounding and automated
reasoning, which need a model, never intervene here.
"""

import json
import re
import threading
from datetime import datetime, timezone
from urllib.parse import unquote

from moto.bedrock.models import bedrock_backends
from moto.bedrock.responses import BedrockResponse
from moto.moto_api._internal import mock_random

from . import catalog
from .errors import ConflictException, ResourceNotFoundException, ValidationException

JSON = {"Content-Type": "application/json"}
_lock = threading.Lock()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _state(backend) -> dict:
    if not hasattr(backend, "_guardrails"):
        backend._guardrails = {}  # id -> guardrail
        backend._guardrail_tokens = {}  # (operation, clientRequestToken) -> answer
    return backend._guardrails


def _arn(region: str, account: str, guardrail_id: str) -> str:
    return f"arn:{catalog.partition_of(region)}:bedrock:{region}:{account}:guardrail/{guardrail_id}"


def _policies(params: dict) -> dict:
    """A request's policy configurations as GetGuardrail returns them, AWS's defaults filled
    in (actions BLOCK, enabled, text modality)."""
    out = {}
    topics = (params.get("topicPolicyConfig") or {}).get("topicsConfig")
    if topics:
        out["topicPolicy"] = {"topics": [
            {"name": t["name"], "definition": t["definition"], "examples": t.get("examples", []), "type": t.get("type", "DENY"),
             "inputAction": t.get("inputAction", "BLOCK"), "outputAction": t.get("outputAction", "BLOCK"),
             "inputEnabled": t.get("inputEnabled", True), "outputEnabled": t.get("outputEnabled", True)}
            for t in topics
        ]}
    filters = (params.get("contentPolicyConfig") or {}).get("filtersConfig")
    if filters:
        out["contentPolicy"] = {"filters": [
            {"type": f["type"], "inputStrength": f["inputStrength"], "outputStrength": f["outputStrength"],
             "inputModalities": f.get("inputModalities", ["TEXT"]), "outputModalities": f.get("outputModalities", ["TEXT"]),
             "inputAction": f.get("inputAction", "BLOCK"), "outputAction": f.get("outputAction", "BLOCK"),
             "inputEnabled": f.get("inputEnabled", True), "outputEnabled": f.get("outputEnabled", True)}
            for f in filters
        ]}
    words = params.get("wordPolicyConfig") or {}
    if words.get("wordsConfig") or words.get("managedWordListsConfig"):
        policy = {}
        if words.get("wordsConfig"):
            policy["words"] = [_with_actions(w, "text") for w in words["wordsConfig"]]
        if words.get("managedWordListsConfig"):
            policy["managedWordLists"] = [_with_actions(w, "type") for w in words["managedWordListsConfig"]]
        out["wordPolicy"] = policy
    sensitive = params.get("sensitiveInformationPolicyConfig") or {}
    if sensitive.get("piiEntitiesConfig") or sensitive.get("regexesConfig"):
        policy = {}
        if sensitive.get("piiEntitiesConfig"):
            policy["piiEntities"] = [
                {"type": e["type"], "action": e["action"], "inputAction": e.get("inputAction", e["action"]),
                 "outputAction": e.get("outputAction", e["action"]), "inputEnabled": e.get("inputEnabled", True),
                 "outputEnabled": e.get("outputEnabled", True)}
                for e in sensitive["piiEntitiesConfig"]
            ]
        if sensitive.get("regexesConfig"):
            policy["regexes"] = [
                dict({k: r[k] for k in ("name", "description", "pattern", "action") if k in r},
                     inputAction=r.get("inputAction", r["action"]), outputAction=r.get("outputAction", r["action"]),
                     inputEnabled=r.get("inputEnabled", True), outputEnabled=r.get("outputEnabled", True))
                for r in sensitive["regexesConfig"]
            ]
        out["sensitiveInformationPolicy"] = policy
    grounding = (params.get("contextualGroundingPolicyConfig") or {}).get("filtersConfig")
    if grounding:
        out["contextualGroundingPolicy"] = {"filters": [
            {"type": f["type"], "threshold": f["threshold"], "action": f.get("action", "BLOCK"), "enabled": f.get("enabled", True)}
            for f in grounding
        ]}
    return out


def _with_actions(item: dict, key: str) -> dict:
    return {key: item[key], "inputAction": item.get("inputAction", "BLOCK"), "outputAction": item.get("outputAction", "BLOCK"),
            "inputEnabled": item.get("inputEnabled", True), "outputEnabled": item.get("outputEnabled", True)}


def _check_rules(params: dict):
    """What AWS checks beyond the model."""
    for f in (params.get("contentPolicyConfig") or {}).get("filtersConfig", []):
        if f["type"] == "PROMPT_ATTACK" and f["outputStrength"] != "NONE":
            raise ValidationException("PROMPT_ATTACK content filter strength for response must be NONE")
    types = [f["type"] for f in (params.get("contentPolicyConfig") or {}).get("filtersConfig", [])]
    if len(types) != len(set(types)):
        raise ValidationException("Each content filter type can be specified only once.")
    names = [t["name"] for t in (params.get("topicPolicyConfig") or {}).get("topicsConfig", [])]
    if len(names) != len(set(names)):
        raise ValidationException("Each denied topic name must be unique.")


def _version_view(g: dict, version: str) -> dict:
    snapshot = g["draft"] if version == "DRAFT" else g["versions"][version]
    view = {
        "name": snapshot["name"],
        "guardrailId": g["id"],
        "guardrailArn": g["arn"],
        "version": version,
        "status": "READY",
        "createdAt": g["createdAt"],
        "updatedAt": snapshot["updatedAt"],
        "blockedInputMessaging": snapshot["blockedInputMessaging"],
        "blockedOutputsMessaging": snapshot["blockedOutputsMessaging"],
    }
    if snapshot.get("description"):
        view["description"] = snapshot["description"]
    view.update(snapshot["policies"])
    return view


def find(self, identifier: str):
    """The guardrail an id or ARN names in this account and region, or None."""
    identifier = unquote(identifier or "")
    guardrails = _state(self.bedrock_backend if hasattr(self, "bedrock_backend") else bedrock_backends[self.current_account][self.region])
    if identifier.startswith("arn:"):
        return next((g for g in guardrails.values() if g["arn"] == identifier), None)
    return guardrails.get(identifier)


def _find_or_fail(self, identifier: str) -> dict:
    g = find(self, identifier)
    if g is None:
        raise ResourceNotFoundException(f"The guardrail {unquote(identifier)} was not found.")
    return g


def _identifier(self) -> str:
    raw = self.uri_match.get("guardrailIdentifier") if self.uri_match else None
    return unquote(raw or self.path.split("/guardrails/", 1)[1].split("?", 1)[0])


def _query(self, name):
    value = self.querystring.get(name)
    return value[0] if isinstance(value, list) and value else value


def _snapshot(params: dict) -> dict:
    return {
        "name": params["name"],
        "description": params.get("description"),
        "blockedInputMessaging": params["blockedInputMessaging"],
        "blockedOutputsMessaging": params["blockedOutputsMessaging"],
        "policies": _policies(params),
        "updatedAt": _now(),
    }


def create_guardrail(self):
    params = json.loads(self.body or "{}")
    _check_rules(params)
    backend = self.bedrock_backend
    token = params.get("clientRequestToken")
    with _lock:
        guardrails = _state(backend)
        if token and ("create", token) in backend._guardrail_tokens:
            return json.dumps(backend._guardrail_tokens[("create", token)]), dict(JSON, status=202)
        if any(g["draft"]["name"] == params["name"] for g in guardrails.values()):
            raise ConflictException(f"A guardrail with the name {params['name']} already exists.")
        guardrail_id = mock_random.get_random_string(length=12, lower_case=True)
        arn = _arn(self.region, self.current_account, guardrail_id)
        now = _now()
        guardrails[guardrail_id] = {"id": guardrail_id, "arn": arn, "createdAt": now, "draft": _snapshot(params), "versions": {}, "next": 1}
        tags = params.get("tags") or []
        if tags:
            backend.tagger.tag_resource(arn, [{"Key": t["key"], "Value": t["value"]} for t in tags])
        answer = {"guardrailId": guardrail_id, "guardrailArn": arn, "version": "DRAFT", "createdAt": now}
        if token:
            backend._guardrail_tokens[("create", token)] = answer
    return json.dumps(answer), dict(JSON, status=202)


def update_guardrail(self):
    params = json.loads(self.body or "{}")
    _check_rules(params)
    with _lock:
        g = _find_or_fail(self, _identifier(self))
        others = [o for o in _state(self.bedrock_backend).values() if o is not g]
        if any(o["draft"]["name"] == params["name"] for o in others):
            raise ConflictException(f"A guardrail with the name {params['name']} already exists.")
        g["draft"] = _snapshot(params)
        answer = {"guardrailId": g["id"], "guardrailArn": g["arn"], "version": "DRAFT", "updatedAt": g["draft"]["updatedAt"]}
    return json.dumps(answer), dict(JSON, status=202)


def create_guardrail_version(self):
    params = json.loads(self.body or "{}")
    token = params.get("clientRequestToken")
    backend = self.bedrock_backend
    with _lock:
        g = _find_or_fail(self, _identifier(self))
        if token and ("version", g["id"], token) in backend._guardrail_tokens:
            return json.dumps(backend._guardrail_tokens[("version", g["id"], token)]), dict(JSON, status=202)
        version = str(g["next"])
        g["next"] += 1
        snapshot = dict(g["draft"], updatedAt=_now())
        if params.get("description"):
            snapshot["description"] = params["description"]
        g["versions"][version] = snapshot
        answer = {"guardrailId": g["id"], "version": version}
        if token:
            backend._guardrail_tokens[("version", g["id"], token)] = answer
    return json.dumps(answer), dict(JSON, status=202)


def get_guardrail(self):
    version = _query(self, "guardrailVersion") or "DRAFT"
    with _lock:
        g = _find_or_fail(self, _identifier(self))
        if version != "DRAFT" and version not in g["versions"]:
            raise ResourceNotFoundException(f"Version {version} of the guardrail {g['id']} was not found.")
        view = _version_view(g, version)
    return json.dumps(view), dict(JSON)


def _summary(g: dict, version: str) -> dict:
    view = _version_view(g, version)
    summary = {k: view[k] for k in ("status", "name", "version", "createdAt", "updatedAt")}
    summary.update(id=g["id"], arn=g["arn"])
    if view.get("description"):
        summary["description"] = view["description"]
    return summary


def list_guardrails(self):
    identifier = _query(self, "guardrailIdentifier")
    max_results = int(_query(self, "maxResults") or 100)
    with _lock:
        if identifier:
            g = _find_or_fail(self, identifier)
            items = [_summary(g, "DRAFT")] + [_summary(g, v) for v in sorted(g["versions"], key=int)]
        else:
            items = [_summary(g, "DRAFT") for g in _state(self.bedrock_backend).values()]
    start = 0
    token = _query(self, "nextToken")
    if token:
        try:
            start = int(token)
        except ValueError:
            raise ValidationException("The nextToken is not valid: pass the nextToken of the previous page unchanged.")
    body = {"guardrails": items[start : start + max_results]}
    if start + max_results < len(items):
        body["nextToken"] = str(start + max_results)
    return json.dumps(body), dict(JSON)


def delete_guardrail(self):
    version = _query(self, "guardrailVersion")
    backend = self.bedrock_backend
    with _lock:
        g = _find_or_fail(self, _identifier(self))
        if version:
            if version not in g["versions"]:
                raise ResourceNotFoundException(f"Version {version} of the guardrail {g['id']} was not found.")
            del g["versions"][version]
        else:
            del _state(backend)[g["id"]]
            backend.tagger.delete_all_tags_for_resource(g["arn"])
    return "{}", dict(JSON, status=202)


def is_guardrail_arn(self, arn: str) -> bool:
    return find(self, arn) is not None if arn and ":guardrail/" in arn else False


# --- Applying a guardrail -------------------------------------------------------------------

# Common PII types by pattern (AWS detects these, and more, with a model).
PII_PATTERNS = {
    "EMAIL": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "PHONE": r"(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)",
    "US_SOCIAL_SECURITY_NUMBER": r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)",
    "CREDIT_DEBIT_CARD_NUMBER": r"(?<!\d)(?:\d[ -]?){13,16}(?!\d)",
    "IP_ADDRESS": r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)",
    "URL": r"https?://[^\s]+",
    "AWS_ACCESS_KEY": r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
}


def resolve(self, identifier: str, version: str):
    """(guardrail, the policies of that version, blocked messages) for a runtime request, or
    AWS's ValidationException when the guardrail or version does not exist."""
    g = find(self, identifier)
    if g is None or (version != "DRAFT" and version not in g["versions"]):
        raise ValidationException("The guardrail identifier or version provided in the request does not exist.")
    return g, (g["draft"] if version == "DRAFT" else g["versions"][version])


# AWS's managed profanity list is not published; these common English words stand for it.
PROFANITY = ("fuck", "fucking", "fucked", "shit", "shitty", "bullshit", "bitch", "bastard", "asshole", "motherfucker", "dickhead", "cunt", "wanker", "prick")

_SENSITIVE_ACTIONS = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED"}


def _word_pattern(word: str):
    """A word or phrase as AWS's word filter matches it: whole words, any case."""
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


def _evaluate(policies: dict, text: str, side: str, full: bool = False) -> dict:
    """What the policies that can be checked without a model find in `text` on one side
    ("input" or "output"), a policy disabled on that side not evaluated:

        {"assessment": GuardrailAssessment (its policy members only), "blocked": bool,
         "masks": [(start, end, "{TYPE}")] of the ANONYMIZE matches, "units": {usage member: True}}

    With `full` (ApplyGuardrail's outputScope FULL), what was evaluated and not detected is
    listed too (detected false, action NONE), as AWS lists it for every policy but word
    filters and regexes (its API reference, ApplyGuardrail, outputScope): denied topics, PII
    entities and content filters (which never detect here)."""
    assessment, masks, units = {}, [], {}
    blocked = False
    word_policy = policies.get("wordPolicy", {})
    custom, managed = [], []
    for word in word_policy.get("words", []):
        if not word.get(f"{side}Enabled", True):
            continue
        units["wordPolicyUnits"] = True
        if _word_pattern(word["text"]).search(text):
            action = word.get(f"{side}Action", "BLOCK")
            custom.append({"match": word["text"], "action": "BLOCKED" if action == "BLOCK" else "NONE", "detected": True})
            blocked |= action == "BLOCK"
    for listed in word_policy.get("managedWordLists", []):
        if not listed.get(f"{side}Enabled", True) or listed["type"] != "PROFANITY":
            continue
        units["wordPolicyUnits"] = True
        action = listed.get(f"{side}Action", "BLOCK")
        for word in PROFANITY:
            found = _word_pattern(word).search(text)
            if found:
                managed.append({"match": found.group(0), "type": "PROFANITY", "action": "BLOCKED" if action == "BLOCK" else "NONE", "detected": True})
                blocked |= action == "BLOCK"
    if custom or managed:
        assessment["wordPolicy"] = {"customWords": custom, "managedWordLists": managed}
    topics = []
    for topic in policies.get("topicPolicy", {}).get("topics", []):
        if not topic.get(f"{side}Enabled", True):
            continue
        units["topicPolicyUnits"] = True
        needles = [topic["name"]] + topic.get("examples", [])
        if any(n and n.lower() in text.lower() for n in needles):
            action = topic.get(f"{side}Action", "BLOCK")
            topics.append({"name": topic["name"], "type": "DENY", "action": "BLOCKED" if action == "BLOCK" else "NONE", "detected": True})
            blocked |= action == "BLOCK"
        elif full:
            topics.append({"name": topic["name"], "type": "DENY", "action": "NONE", "detected": False})
    if topics:
        assessment["topicPolicy"] = {"topics": topics}
    filters = []
    for f in policies.get("contentPolicy", {}).get("filters", []):
        strength = f.get(f"{side}Strength", "NONE")
        if not f.get(f"{side}Enabled", True) or strength == "NONE":
            continue
        units["contentPolicyUnits"] = True
        if full:
            filters.append({"type": f["type"], "confidence": "NONE", "filterStrength": strength, "action": "NONE", "detected": False})
    if filters:
        assessment["contentPolicy"] = {"filters": filters}
    entities, regexes = [], []
    sensitive = policies.get("sensitiveInformationPolicy", {})
    for entity in sensitive.get("piiEntities", []):
        if not entity.get(f"{side}Enabled", True):
            continue
        units["sensitiveInformationPolicyUnits"] = True
        pattern = PII_PATTERNS.get(entity["type"])
        found = list(re.finditer(pattern, text)) if pattern else []
        action = entity.get(f"{side}Action", entity["action"])
        for m in found:
            entities.append({"match": m.group(0), "type": entity["type"], "action": _SENSITIVE_ACTIONS.get(action, "NONE"), "detected": True})
            blocked |= action == "BLOCK"
            if action == "ANONYMIZE":
                masks.append((m.start(), m.end(), "{" + entity["type"] + "}"))
        if not found and full:
            entities.append({"match": "", "type": entity["type"], "action": "NONE", "detected": False})
    for rule in sensitive.get("regexes", []):
        if not rule.get(f"{side}Enabled", True):
            continue
        # Regex filters are free: their units are counted apart (AWS's pricing page).
        units["sensitiveInformationPolicyFreeUnits"] = True
        try:
            found = list(re.finditer(rule["pattern"], text))
        except re.error:
            continue
        action = rule.get(f"{side}Action", rule["action"])
        for m in found:
            regexes.append({"name": rule["name"], "match": m.group(0), "regex": rule["pattern"], "action": _SENSITIVE_ACTIONS.get(action, "NONE"), "detected": True})
            blocked |= action == "BLOCK"
            if action == "ANONYMIZE":
                masks.append((m.start(), m.end(), "{" + rule["name"] + "}"))
    if entities or regexes:
        assessment["sensitiveInformationPolicy"] = {"piiEntities": entities, "regexes": regexes}
    return {"assessment": assessment, "blocked": blocked, "masks": masks, "units": units}


def assess(snapshot: dict, texts: list, source: str):
    """The assessment of `texts` (INPUT or OUTPUT) by the policies of a guardrail version:
    (intervened, assessment in the shape of GuardrailAssessment)."""
    side = "input" if source == "INPUT" else "output"
    found = _evaluate(snapshot["policies"], "\n".join(t for t in texts if t), side)
    return found["blocked"], found["assessment"]


def _masked(text: str, masks: list) -> str:
    """`text` with each ANONYMIZE match replaced by its {TYPE} or {regex name}, the first of
    overlapping matches winning."""
    out, at = [], 0
    for start, end, tag in sorted(masks):
        if start < at:
            continue
        out.append(text[at:start] + tag)
        at = end
    return "".join(out) + text[at:]


TEXT_UNIT = 1000  # characters; AWS bills guardrails per text unit of up to 1,000 characters


def _text_units(text: str) -> int:
    return max(1, -(-len(text) // TEXT_UNIT))


# Qualifiers that mark the inputs of the contextual grounding check (the reference source and
# the user's question), not content to guard: only unqualified and guard_content blocks are.
_GROUNDING_ONLY = {"grounding_source", "query"}


def apply_to_content(g: dict, version: str, snapshot: dict, request: dict) -> dict:
    """ApplyGuardrail's answer for a request (source, content, outputScope) assessed by the
    guardrail version `snapshot`, shaped as the service model's ApplyGuardrailResponse.

    As AWS answers (API reference ApplyGuardrail; user guide "Use the ApplyGuardrail API in
    your application"):
    - action GUARDRAIL_INTERVENED with actionReason "Guardrail blocked." and outputs the
      version's blocked message for the source (blockedInputMessaging for INPUT,
      blockedOutputsMessaging for OUTPUT) when a policy with action BLOCK detects something;
    - GUARDRAIL_INTERVENED with "Guardrail masked." and outputs the guarded text with each
      ANONYMIZE match replaced by {TYPE} (PII) or {name} (regex), when only masking applies;
    - NONE with "No action." and no outputs otherwise (a detection whose action is NONE is
      reported in the assessment and changes nothing);
    - one assessment: the policies' findings (only detections, or with outputScope FULL also
      what was evaluated and not detected), its invocationMetrics and appliedGuardrailDetails;
    - usage in text units of up to 1,000 characters per guarded block, for each policy the
      version evaluates on that side; guardrailCoverage the characters guarded of the total."""
    side = "input" if request.get("source") == "INPUT" else "output"
    full = request.get("outputScope") == "FULL"
    guarded, total_chars, guarded_chars, images = [], 0, 0, 0
    for block in request.get("content") or []:
        if "image" in block:
            images += 1
            continue
        text_block = block.get("text") or {}
        text = text_block.get("text") or ""
        total_chars += len(text)
        qualifiers = set(text_block.get("qualifiers") or [])
        if qualifiers and qualifiers <= _GROUNDING_ONLY:
            continue
        guarded.append(text)
        guarded_chars += len(text)
    policies = snapshot["policies"]
    # The findings over the guarded text as a whole (as Converse assesses a prompt); the
    # masks block by block, each output being its block's text.
    found = _evaluate(policies, "\n".join(guarded), side, full) if guarded else {"assessment": {}, "blocked": False, "units": {}}
    assessment, blocked, evaluated = found["assessment"], found["blocked"], found["units"]
    units = sum(_text_units(t) for t in guarded)
    outputs = [_masked(t, _evaluate(policies, t, side)["masks"]) for t in guarded]
    masked = any(o != t for o, t in zip(outputs, guarded))
    if blocked:
        action, reason = "GUARDRAIL_INTERVENED", "Guardrail blocked."
        outputs = [{"text": snapshot["blockedInputMessaging" if side == "input" else "blockedOutputsMessaging"]}]
    elif masked:
        action, reason = "GUARDRAIL_INTERVENED", "Guardrail masked."
        outputs = [{"text": o} for o in outputs]
    else:
        action, reason, outputs = "NONE", "No action.", []
    usage = {name: (units if evaluated.get(name) else 0) for name in (
        "topicPolicyUnits", "contentPolicyUnits", "wordPolicyUnits", "sensitiveInformationPolicyUnits",
        "sensitiveInformationPolicyFreeUnits", "contextualGroundingPolicyUnits")}
    usage["contentPolicyImageUnits"] = 0
    coverage = {"textCharacters": {"guarded": guarded_chars, "total": total_chars}}
    if images:
        # Images are guarded by content filters with the IMAGE modality, not emulated.
        coverage["images"] = {"guarded": 0, "total": images}
    assessment["invocationMetrics"] = {"guardrailProcessingLatency": 42, "usage": usage, "guardrailCoverage": coverage}
    assessment["appliedGuardrailDetails"] = {
        "guardrailId": g["id"], "guardrailVersion": version, "guardrailArn": g["arn"],
        "guardrailOrigin": ["REQUEST"], "guardrailOwnership": "SELF",
    }
    return {"usage": usage, "action": action, "actionReason": reason, "outputs": outputs, "assessments": [assessment], "guardrailCoverage": coverage}


def install():
    BedrockResponse.create_guardrail = create_guardrail
    BedrockResponse.update_guardrail = update_guardrail
    BedrockResponse.create_guardrail_version = create_guardrail_version
    BedrockResponse.get_guardrail = get_guardrail
    BedrockResponse.list_guardrails = list_guardrails
    BedrockResponse.delete_guardrail = delete_guardrail
