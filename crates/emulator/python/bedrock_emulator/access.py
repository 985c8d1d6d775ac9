"""Model access, as a brand-new account meets it (`local reset --new-account`), and the APIs
that establish it: GetFoundationModelAvailability, PutUseCaseForModelAccess /
GetUseCaseForModelAccess, ListFoundationModelAgreementOffers, CreateFoundationModelAgreement
and DeleteFoundationModelAgreement.

What AWS documents (Amazon Bedrock user guide, "Access Amazon Bedrock foundation models",
and its API error codes page):

- Serverless models are available by default. Anthropic's models need the first-time-use
  form (use case details) once per account; until it is on file, invoking one answers 404
  ResourceNotFoundException "Model use case details have not been submitted for this
  account. ...".
- Models sold through AWS Marketplace (every Anthropic model, and the other third-party
  providers but Amazon, DeepSeek, Mistral AI, Meta, Qwen and OpenAI) need an agreement in
  the account. The first invocation by a caller allowed aws-marketplace:Subscribe creates it;
  a caller without that permission gets 403 AccessDeniedException ("Model access is denied
  due to IAM user or service role is not authorized to perform the required AWS Marketplace
  actions ..."). CreateFoundationModelAgreement accepts an offer ahead of time. An agreement
  is PENDING for a while before it takes effect (the emulator's `agreement_delay_seconds`,
  0 unless set).

Without --new-account, every account has access in place: the form on file and every
agreement accepted, so nothing else changes.
"""

import base64
import json
import threading
import time

from moto.bedrock.responses import BedrockResponse
from moto.iam.models import iam_backends

from . import catalog, iam_eval, logging_config
from .errors import AccessDeniedException, ResourceNotFoundException, ValidationException

JSON = {"Content-Type": "application/json"}
_lock = threading.Lock()

settings = {"new_account": False, "agreement_delay_seconds": 0.0}
# account -> {"form": bytes or None, "agreements": {model id: time accepted}}
_accounts: dict = {}

NO_MARKETPLACE = ("amazon.", "deepseek.", "mistral.", "meta.", "qwen.", "openai.")
FORM_MISSING = (
    "Model use case details have not been submitted for this account. Fill out the Anthropic use case "
    "details form before using the model. If you have already filled out the form, try again in 15 minutes."
)
NO_MARKETPLACE_PERMISSION = (
    "Model access is denied due to IAM user or service role is not authorized to perform the required AWS "
    "Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this "
    "model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for "
    "this model cannot be completed at this time. If you recently fixed this issue, try again after 15 minutes."
)
BEING_PROCESSED = (
    "Your account is not authorized to access this model. Your AWS Marketplace subscription for this model is "
    "still being processed. Try again after 15 minutes."
)
FORM_FIELDS = {"companyName": 128, "companyWebsite": 128, "industryOption": 128, "otherIndustryOption": 128, "useCases": 8192}


def reset(new_account: bool) -> None:
    with _lock:
        _accounts.clear()
        settings["new_account"] = bool(new_account)
        settings["agreement_delay_seconds"] = 0.0


def _account(account: str) -> dict:
    if account not in _accounts:
        _accounts[account] = {"form": None, "agreements": {}}
    return _accounts[account]


def needs_form(model_id: str) -> bool:
    return model_id.startswith("anthropic.")


def needs_agreement(model_id: str) -> bool:
    return not model_id.startswith(NO_MARKETPLACE)


def form_on_file(account: str) -> bool:
    if not settings["new_account"]:
        return True
    with _lock:
        return _account(account)["form"] is not None


def agreement(account: str, model_id: str) -> str:
    """AVAILABLE, PENDING or NOT_AVAILABLE, for a model that needs an agreement."""
    if not settings["new_account"] or not needs_agreement(model_id):
        return "AVAILABLE"
    with _lock:
        accepted = _account(account)["agreements"].get(model_id)
    if accepted is None:
        return "NOT_AVAILABLE"
    return "AVAILABLE" if time.time() - accepted >= settings["agreement_delay_seconds"] else "PENDING"


def _accept(account: str, model_id: str) -> None:
    with _lock:
        _account(account)["agreements"].setdefault(model_id, time.time())


def _may_subscribe(self, session) -> bool:
    """Whether the caller may create a Marketplace agreement: the emulator's own credentials
    may do anything; a role session needs aws-marketplace:Subscribe in its policies."""
    if session is None:
        return True
    iam = iam_backends[self.current_account][catalog.partition_of(self.region)]
    role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
    documents = logging_config.role_documents(role) if role is not None else []
    return iam_eval.allows(documents, "aws-marketplace:Subscribe", "*", {})


def check_invocation(self, session, model_arns: list) -> None:
    """Refuse a runtime call, as AWS does, when a model it routes to lacks access."""
    if not settings["new_account"]:
        return
    account = self.current_account
    for arn in model_arns:
        model_id = arn.rsplit("/", 1)[-1]
        if needs_form(model_id) and not form_on_file(account):
            raise ResourceNotFoundException(FORM_MISSING)
        if not needs_agreement(model_id):
            continue
        status = agreement(account, model_id)
        if status == "NOT_AVAILABLE":
            if not _may_subscribe(self, session):
                raise AccessDeniedException(NO_MARKETPLACE_PERMISSION)
            # The first invocation by a caller allowed to subscribe creates the agreement.
            _accept(account, model_id)
            status = agreement(account, model_id)
        if status == "PENDING":
            raise AccessDeniedException(BEING_PROCESSED)


def _model_id(self) -> str:
    from urllib.parse import unquote

    raw = self.uri_match.get("modelId") if self.uri_match else None
    return unquote(raw or self.path.rstrip("/").rsplit("/", 1)[-1])


def _known(model_id: str) -> bool:
    return bool(catalog.foundation_model_regions(model_id))


def get_foundation_model_availability(self):
    model_id = _model_id(self)
    if not _known(model_id):
        raise ResourceNotFoundException(f"The model {model_id} was not found.")
    account = self.current_account
    available = self.region in catalog.foundation_model_regions(model_id)
    answer = {
        "modelId": model_id,
        "agreementAvailability": {"status": agreement(account, model_id)},
        "authorizationStatus": "AUTHORIZED",
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": "AVAILABLE" if available else "NOT_AVAILABLE",
    }
    return json.dumps(answer), dict(JSON)


def put_use_case_for_model_access(self):
    params = json.loads(self.body or "{}")
    try:
        data = base64.b64decode(params["formData"], validate=True)
        form = json.loads(data)
    except (ValueError, KeyError, TypeError):
        raise ValidationException("Invalid form data.")
    if not isinstance(form, dict) or str(form.get("intendedUsers")) not in ("0", "1", "2"):
        raise ValidationException("Invalid form data.")
    for field, limit in FORM_FIELDS.items():
        value = form.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            raise ValidationException("Invalid form data.")
        if field != "otherIndustryOption" and not value.strip():
            raise ValidationException("Invalid form data.")
    with _lock:
        _account(self.current_account)["form"] = data
    return "{}", dict(JSON, status=201)


def get_use_case_for_model_access(self):
    with _lock:
        form = _account(self.current_account)["form"]
    if form is None and settings["new_account"]:
        raise ResourceNotFoundException("You have not filled out the request form. Fill out the form before getting access.")
    if form is None:
        # An account with access in place has a form on file; what it said is not known.
        form = json.dumps({"companyName": "", "companyWebsite": "", "intendedUsers": "0", "industryOption": "", "otherIndustryOption": "", "useCases": ""}).encode()
    return json.dumps({"formData": base64.b64encode(form).decode()}), dict(JSON)


def _offer(model_id: str) -> dict:
    token = base64.urlsafe_b64encode(json.dumps({"model": model_id, "offer": "public"}).encode()).decode()
    return {
        "offerId": "offer-" + "".join(c for c in model_id if c.isalnum())[:24].lower(),
        "offerToken": token,
        "termDetails": {
            "usageBasedPricingTerm": {"rateCard": [
                {"dimension": "input_tokens", "price": "see pricing page", "description": "Input tokens", "unit": "1K tokens"},
                {"dimension": "output_tokens", "price": "see pricing page", "description": "Output tokens", "unit": "1K tokens"},
            ]},
            "legalTerm": {"url": f"https://aws.amazon.com/marketplace/pp/{model_id}#eula"},
            "supportTerm": {"refundPolicyDescription": "No refunds"},
            "validityTerm": {"agreementDuration": "P100Y"},
        },
    }


def list_foundation_model_agreement_offers(self):
    model_id = _model_id(self)
    if not _known(model_id):
        raise ResourceNotFoundException(f"The model {model_id} was not found.")
    offers = [_offer(model_id)] if needs_agreement(model_id) else []
    return json.dumps({"modelId": model_id, "offers": offers}), dict(JSON)


def create_foundation_model_agreement(self):
    params = json.loads(self.body or "{}")
    model_id = params["modelId"]
    if not _known(model_id):
        raise ResourceNotFoundException(f"The model {model_id} was not found.")
    if not needs_agreement(model_id) or params["offerToken"] != _offer(model_id)["offerToken"]:
        raise ValidationException(f"The offer token is not an offer of {model_id}.")
    _accept(self.current_account, model_id)
    return json.dumps({"modelId": model_id}), dict(JSON, status=202)


def delete_foundation_model_agreement(self):
    params = json.loads(self.body or "{}")
    with _lock:
        _account(self.current_account)["agreements"].pop(params["modelId"], None)
    return "{}", dict(JSON, status=202)


def install():
    BedrockResponse.get_foundation_model_availability = get_foundation_model_availability
    BedrockResponse.put_use_case_for_model_access = put_use_case_for_model_access
    BedrockResponse.get_use_case_for_model_access = get_use_case_for_model_access
    BedrockResponse.list_foundation_model_agreement_offers = list_foundation_model_agreement_offers
    BedrockResponse.create_foundation_model_agreement = create_foundation_model_agreement
    BedrockResponse.delete_foundation_model_agreement = delete_foundation_model_agreement
