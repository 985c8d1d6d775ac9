"""AWS Organizations' account listings as AWS answers them, where moto differs.

- Who may list (Organizations user guide, "Managing the AWS accounts in your organization";
  the API reference of ListAccounts, ListAccountsForParent,
  ListOrganizationalUnitsForParent, ListChildren, ListParents, DescribeAccount and
  DescribeOrganizationalUnit: "This operation can be called only from the organization's
  management account or by a member account that is a delegated administrator."): the
  management account reads its organization; a member account registered as a delegated
  administrator (RegisterDelegatedAdministrator, for any service) reads the same
  organization; any other member account gets AccessDeniedException. moto answers a member
  from the member's own, empty backend (an empty list or AWSOrganizationsNotInUseException).
- An account in no organization gets AWSOrganizationsNotInUseException from every listing;
  moto answers ListAccounts with an empty list.
- Delegated administrators: moto accepts six service principals; AWS also lets CloudFormation
  StackSets (member.org.stacksets.cloudformation.amazonaws.com, the delegated administrator a
  rollout tool is given) have one ("AWS services that you can use with AWS Organizations").
- Error texts: the model's own words for ParentNotFoundException ("We can't find a root or OU
  with the ParentId that you specified.") and AWSOrganizationsNotInUseException ("Your
  account isn't a member of an organization. To make this request, you must use the
  credentials of an account that belongs to an organization."), where moto words them its
  own way.
- Pages: the model bounds MaxResults to 1..20, and without it the listings page at 20, so a
  caller that ignores NextToken sees only the first 20 accounts (moto: 100 for ListAccounts).
  A page's NextToken is omitted on the last page, not sent as null.
"""

import json

from moto.core.exceptions import JsonRESTError
from moto.organizations.exceptions import OrganizationsClientError
from moto.organizations.models import (
    FakeDelegatedAdministrator,
    OrganizationsBackend,
    organizations_backends,
)
from moto.organizations.responses import OrganizationsResponse

PAGE = 20

_READS = (
    "describe_account",
    "describe_organizational_unit",
    "list_children",
    "list_parents",
    "list_roots",
)


class AccessDenied(JsonRESTError):
    code = 400

    def __init__(self):
        super().__init__("AccessDeniedException", "You don't have permissions to access this resource.")


class NotInUse(OrganizationsClientError):
    def __init__(self):
        super().__init__(
            "AWSOrganizationsNotInUseException",
            "Your account isn't a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.",
        )


class ParentNotFound(OrganizationsClientError):
    def __init__(self):
        super().__init__("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")


def validate_parent_id(self, parent_id: str) -> str:
    if not any(ou.id == parent_id for ou in self.ou):
        raise ParentNotFound()
    return parent_id


def _reader(self):
    """The backend whose organization the caller may read, or the error AWS answers."""
    own = organizations_backends[self.current_account][self.partition]
    if own.org is not None:
        return own
    membership = organizations_backends.master_accounts.get(self.current_account)
    if membership is None:
        raise NotInUse()
    master, partition = membership
    management = organizations_backends[master][partition]
    if any(admin.account.id == self.current_account for admin in management.admins):
        return management
    raise AccessDenied()


def _page(self):
    size = self._get_int_param("MaxResults") or PAGE
    return min(size, PAGE), self._get_param("NextToken")


def _answer(key, items, token):
    body = {key: items}
    if token:
        body["NextToken"] = token
    return json.dumps(body)


def list_accounts(self):
    size, token = _page(self)
    accounts, token = _reader(self).list_accounts(max_results=size, next_token=token)
    return _answer("Accounts", accounts, token)


def list_accounts_for_parent(self):
    size, token = _page(self)
    accounts, token = _reader(self).list_accounts_for_parent(
        max_results=size, next_token=token, parent_id=self._get_param("ParentId")
    )
    return _answer("Accounts", [a.describe() for a in accounts], token)


def list_organizational_units_for_parent(self):
    size, token = _page(self)
    units, token = _reader(self).list_organizational_units_for_parent(
        max_results=size, next_token=token, parent_id=self._get_param("ParentId")
    )
    return _answer("OrganizationalUnits", [{"Id": u.id, "Arn": u.arn, "Name": u.name} for u in units], token)


def _routed(name):
    original = getattr(OrganizationsResponse, name)

    def read(self):
        self._org_reader = _reader(self)
        try:
            return original(self)
        finally:
            self._org_reader = None

    return read


def _backend(self):
    reader = getattr(self, "_org_reader", None)
    if reader is not None:
        return reader
    return organizations_backends[self.current_account][self.partition]


def install():
    OrganizationsBackend.validate_parent_id = validate_parent_id
    stacksets = "member.org.stacksets.cloudformation.amazonaws.com"
    if stacksets not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(stacksets)
    OrganizationsResponse.organizations_backend = property(_backend)
    OrganizationsResponse.list_accounts = list_accounts
    OrganizationsResponse.list_accounts_for_parent = list_accounts_for_parent
    OrganizationsResponse.list_organizational_units_for_parent = list_organizational_units_for_parent
    for name in _READS:
        if hasattr(OrganizationsResponse, name):
            setattr(OrganizationsResponse, name, _routed(name))
