"""IAM operations moto lacks, as IAM's service model (botocore's iam/2010-05-08) and API
reference define them:

- ListInstanceProfileTags (InstanceProfileName, Marker, MaxItems 1-1000, default 100):
  {Tags, IsTruncated, Marker}; NoSuchEntity for an instance profile that does not exist.
  moto keeps the tags (CreateInstanceProfile, TagInstanceProfile) but does not list them.
"""

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse


def list_instance_profile_tags(self) -> ActionResult:
    name = self._get_param("InstanceProfileName")
    marker = self._get_param("Marker")
    max_items = int(self._get_param("MaxItems") or 100)
    # NoSuchEntity, in IAM's words, from moto's own lookup.
    profile = self.backend.get_instance_profile(profile_name=name)
    tags = list(profile.tags)
    start = int(marker) if marker and marker.isdigit() else 0
    page = tags[start : start + max_items]
    result = {"Tags": page, "IsTruncated": start + max_items < len(tags)}
    if result["IsTruncated"]:
        result["Marker"] = str(start + max_items)
    return ActionResult(result)


def install():
    IamResponse.list_instance_profile_tags = list_instance_profile_tags
