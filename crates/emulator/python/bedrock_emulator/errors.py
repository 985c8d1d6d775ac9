"""Errors in the shapes the AWS SDKs parse: restJson1 for Bedrock (type in the
x-amzn-ErrorType header and the body's __type)."""

import json

from moto.core.exceptions import JsonRESTError


class BedrockError(JsonRESTError):
    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)

    def get_headers(self, *args, **kwargs):
        return [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", self.error_type),
        ]


class ValidationException(BedrockError):
    def __init__(self, message: str):
        super().__init__("ValidationException", message)


class ConflictException(BedrockError):
    def __init__(self, message: str):
        super().__init__("ConflictException", message)


class ResourceNotFoundException(BedrockError):
    code = 404

    def __init__(self, message: str):
        super().__init__("ResourceNotFoundException", message)


class AccessDeniedException(BedrockError):
    code = 403

    def __init__(self, message: str):
        super().__init__("AccessDeniedException", message)


class TooManyTagsException(BedrockError):
    def __init__(self, message: str):
        super().__init__("TooManyTagsException", message)


def constraint(value, member: str, rule: str) -> ValidationException:
    """AWS's wording for a request that breaks a service-model constraint."""
    shown = value if isinstance(value, str) else json.dumps(value)
    return ValidationException(
        f"1 validation error detected: Value '{shown}' at '{member}' failed to satisfy constraint: {rule}"
    )
