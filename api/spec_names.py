"""Names in the OpenAPI document: each operation's ``operationId``, and the long enums
(every region code) as one named component each, referenced where used.

Generated SDKs name their methods after ``operationId``: :data:`OPERATION_IDS` gives each
operation a stable, meaningful one (``listEnterprises``, ``getEnterprise``), kept when a
handler or module is renamed. An operation missing from the table gets one made from its
method and path (``putMeDevicesByDeviceId``), so every operation has one and they stay
unique (tests/api/test_openapi.py checks both); give a new operation its name here.

The region filter lists every accepted code (3,000+) so that clients and the server agree on
what a region is; inline in each parameter it made most of the document. :data:`SHARED_ENUMS`
names such lists: a parameter or property whose ``enum`` is one of them refers to its
component (``#/components/schemas/RegionCode``) instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apispec import BasePlugin

from directory.regions import known_region_codes, list_regions

HTTP_METHODS = ("get", "put", "post", "delete", "patch")

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("get", "/"): "getIndex",
    ("get", "/.well-known/oauth-authorization-server"): "getAuthorizationServerMetadata",
    ("get", "/claims/verify"): "showClaimConfirmation",
    ("post", "/claims/verify"): "confirmClaim",
    ("get", "/healthz"): "getLiveness",
    ("get", "/readyz"): "getReadiness",
    ("get", "/metrics"): "getMetrics",
    ("get", "/oauth/authorize"): "showAuthorization",
    ("post", "/oauth/authorize"): "submitAuthorization",
    ("post", "/oauth/introspect"): "introspectToken",
    ("post", "/oauth/revoke"): "revokeToken",
    ("post", "/oauth/token"): "requestToken",
    ("get", "/v1/admin/claims"): "adminListClaims",
    ("post", "/v1/admin/claims/{claim_id}/decision"): "adminDecideClaim",
    ("get", "/v1/admin/enterprises/{enterprise_id}/members"): "adminListMembers",
    ("post", "/v1/admin/enterprises/{enterprise_id}/members"): "adminAddMember",
    ("delete", "/v1/admin/enterprises/{enterprise_id}/members/{user_id}"): "adminRemoveMember",
    ("patch", "/v1/admin/enterprises/{enterprise_id}/members/{user_id}"): "adminChangeMemberRole",
    ("put", "/v1/admin/enterprises/{enterprise_id}/status"): "adminSetListingStatus",
    ("get", "/v1/admin/facts"): "adminListFacts",
    ("post", "/v1/admin/facts/{review_id}/decision"): "adminDecideFact",
    ("get", "/v1/admin/reports"): "adminListReports",
    ("patch", "/v1/admin/reports/{report_id}"): "adminHandleReport",
    ("post", "/v1/channels/{channel_id}/callbacks"): "requestCallback",
    ("post", "/v1/channels/{channel_id}/experiences"): "reportExperience",
    ("get", "/v1/channels/{channel_id}/waits"): "getChannelWaits",
    ("get", "/v1/enterprises"): "listEnterprises",
    ("get", "/v1/enterprises/{enterprise_id}"): "getEnterprise",
    ("patch", "/v1/enterprises/{enterprise_id}"): "updateEnterprise",
    ("post", "/v1/enterprises/{enterprise_id}/channels"): "createChannel",
    ("patch", "/v1/enterprises/{enterprise_id}/channels/{channel_id}"): "updateChannel",
    ("post", "/v1/enterprises/{enterprise_id}/claims"): "claimEnterprise",
    ("post", "/v1/enterprises/{enterprise_id}/contacts"): "contactEnterprise",
    ("post", "/v1/enterprises/{enterprise_id}/notices"): "createNotice",
    ("patch", "/v1/enterprises/{enterprise_id}/notices/{notice_id}"): "updateNotice",
    ("post", "/v1/enterprises/{enterprise_id}/reports"): "reportEnterprise",
    ("get", "/v1/enterprises/{enterprise_id}/versions"): "listEnterpriseVersions",
    ("post", "/v1/enterprises/{enterprise_id}/versions/{number}/restore"): "restoreEnterpriseVersion",
    ("get", "/v1/industries"): "listIndustries",
    ("get", "/v1/lookup"): "lookup",
    ("get", "/v1/regions"): "listRegions",
    ("get", "/v1/search"): "searchEnterprises",
    ("get", "/v1/suggest"): "suggestCompletions",
    ("get", "/v1/manage/callbacks/{callback_id}"): "getManagedCallback",
    ("patch", "/v1/manage/callbacks/{callback_id}"): "updateManagedCallback",
    ("get", "/v1/manage/channels/{channel_id}/status"): "getChannelLiveStatus",
    ("put", "/v1/manage/channels/{channel_id}/status"): "setChannelLiveStatus",
    ("delete", "/v1/manage/channels/{channel_id}/status"): "deleteChannelLiveStatus",
    ("get", "/v1/manage/enterprises/{enterprise_id}"): "getManagedEnterprise",
    ("get", "/v1/manage/enterprises/{enterprise_id}/callbacks"): "listManagedCallbacks",
    ("get", "/v1/manage/enterprises/{enterprise_id}/insights"): "getEnterpriseInsights",
    ("get", "/v1/manage/enterprises/{enterprise_id}/invitations"): "listInvitations",
    ("post", "/v1/manage/enterprises/{enterprise_id}/invitations"): "createInvitation",
    ("get", "/v1/manage/enterprises/{enterprise_id}/invitations/{invitation_id}"): "getInvitation",
    ("delete", "/v1/manage/enterprises/{enterprise_id}/invitations/{invitation_id}"): "revokeInvitation",
    ("get", "/v1/manage/enterprises/{enterprise_id}/members"): "listMembers",
    ("patch", "/v1/manage/enterprises/{enterprise_id}/members/{user_id}"): "changeMemberRole",
    ("delete", "/v1/manage/enterprises/{enterprise_id}/members/{user_id}"): "removeMember",
    ("get", "/v1/manage/enterprises/{enterprise_id}/webhooks"): "listWebhooks",
    ("post", "/v1/manage/enterprises/{enterprise_id}/webhooks"): "createWebhook",
    ("get", "/v1/manage/handoffs/{token}"): "getHandoff",
    ("delete", "/v1/manage/webhooks/{webhook_id}"): "deleteWebhook",
    ("get", "/v1/manage/webhooks/{webhook_id}/deliveries"): "listWebhookDeliveries",
    ("get", "/v1/me"): "getMe",
    ("get", "/v1/me/callbacks"): "listMyCallbacks",
    ("get", "/v1/me/callbacks/{callback_id}"): "getMyCallback",
    ("post", "/v1/me/callbacks/{callback_id}/cancel"): "cancelMyCallback",
    ("get", "/v1/me/claims/{claim_id}"): "getMyClaim",
    ("get", "/v1/me/experiences"): "listMyExperiences",
    ("delete", "/v1/me/experiences/{experience_id}"): "withdrawMyExperience",
    ("get", "/v1/me/following"): "listFollowing",
    ("get", "/v1/me/following/{enterprise_id}"): "getFollowing",
    ("put", "/v1/me/following/{enterprise_id}"): "followEnterprise",
    ("delete", "/v1/me/following/{enterprise_id}"): "unfollowEnterprise",
    ("post", "/v1/me/invitations/accept"): "acceptInvitation",
    ("get", "/v1/me/notices"): "listMyNotices",
}

# name -> (description, the values); a parameter or property with exactly these values as its
# enum refers to the component instead.
SHARED_ENUMS: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "RegionCode": ("A region: an ISO 3166-1 alpha-2 country (`CN`, `US`) or a GB/T 2260 division "
                   "code in use (`440300`), as `GET /v1/regions` lists them.", known_region_codes),
    "DivisionCode": ("A GB/T 2260 division code in use (`440000`, `440300`), as `GET /v1/regions` "
                     "lists them.", lambda: [region.code for region in list_regions()]),
}
_WORD = re.compile(r"[A-Za-z0-9]+")


def made_operation_id(method: str, path: str) -> str:
    """An id from *method* and *path* for an operation missing from :data:`OPERATION_IDS`:
    ``put /v1/me/devices/{device_id}`` -> ``putMeDevicesByDeviceId``."""
    words: list[str] = []
    for segment in path.strip("/").split("/"):
        if segment == "v1" and not words:
            continue
        parts = _WORD.findall(segment)
        if segment.startswith("{"):
            parts = ["by", *parts]
        words.extend(parts)
    return method.lower() + "".join(word[:1].upper() + word[1:] for word in words)


class SpecNamesPlugin(BasePlugin):
    """Gives every operation its ``operationId`` and long enums their shared components."""

    def init_spec(self, spec) -> None:  # noqa: ANN001 - apispec's APISpec
        super().init_spec(spec)
        self.spec = spec
        self.enums = {tuple(values()): name for name, (_, values) in SHARED_ENUMS.items()}

    def _shared(self, schema: dict) -> dict:
        """*schema* referring to its shared enum's component, if its enum is one (a query
        parameter is a string or absent: the ``null`` of an optional one is left out)."""
        name = self.enums.get(tuple(value for value in schema.get("enum") or () if value is not None))
        if name is None:
            return schema
        if name not in self.spec.components.schemas:
            description, values = SHARED_ENUMS[name]
            self.spec.components.schema(name, component={
                "type": "string", "description": description, "enum": values(),
                "example": values()[0]})
        kept = {key: value for key, value in schema.items()
                if key in ("description", "example", "examples", "deprecated")}
        return {"$ref": f"#/components/schemas/{name}", **kept}

    def operation_helper(self, path=None, operations=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
        for method, operation in (operations or {}).items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            operation.setdefault("operationId", OPERATION_IDS.get((method, str(path)))
                                 or made_operation_id(method, str(path)))
            for parameter in operation.get("parameters") or []:
                if isinstance(parameter, dict) and isinstance(parameter.get("schema"), dict):
                    parameter["schema"] = self._shared(parameter["schema"])
