"""Errors in the shapes the AWS SDKs parse: restJson1 for Bedrock (type in the
x-amzn-ErrorType header and the body's __type)."""

from moto.core.exceptions import JsonRESTError


class BedrockError(JsonRESTError):
    code = 400
    # Set by the runtime, whose invocation record names the failed call by this id.
    request_id = None

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)

    def get_headers(self, *args, **kwargs):
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", self.error_type),
        ]
        if self.request_id:
            headers.append(("x-amzn-RequestId", self.request_id))
        return headers


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

