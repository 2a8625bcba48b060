"""Industries: the consumer-facing tree that the directory is browsed by."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from api.http import pick_name, preferred_language
from api.presenters.common import names_dump
from api.schemas.common import NamesSchema
from api.smorest import READ_HEADERS, Blueprint, NoQuerySchema, public_read
from api.state import db_session
from directory.listings import list_industries

blp = Blueprint("industries", __name__, url_prefix="/v1/industries",
                description="The industry tree: banking, telecom, airlines, ...")


class IndustrySchema(Schema):
    id = fields.String(metadata={"description": "Stable slug of the industry.",
                                 "example": "banking"})
    name = fields.String(metadata={"description": "Name in the language Accept-Language chose.",
                                   "example": "银行"})
    names = fields.Nested(NamesSchema, metadata={
        "description": "Name in all three languages.",
        "example": {"zh-Hans": "银行", "zh-Hant": "銀行", "en": "Banking"}})
    parent = fields.String(allow_none=True, metadata={
        "description": "Slug of the grouping industry, null at the top.", "example": "finance"})
    gbt4754_section = fields.String(allow_none=True, metadata={
        "description": "GB/T 4754-2017 section letter of the industry.", "example": "J"})
    enterprise_count = fields.Integer(metadata={
        "description": "Listed enterprises in this industry and those below it.",
        "example": 120})


class IndustryListSchema(Schema):
    items = fields.List(fields.Nested(IndustrySchema), metadata={
        "description": "Every industry in display order.",
        "example": [{"id": "banking", "name": "银行",
                     "names": {"zh-Hans": "银行", "zh-Hant": "銀行", "en": "Banking"},
                     "parent": "finance", "gbt4754_section": "J", "enterprise_count": 120}]})



@blp.route("")
class Industries(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, IndustryListSchema, headers=READ_HEADERS)
    @public_read(blp)
    def get(self, _args):
        """List industries

        The whole tree, flat and in display order, with how many listed enterprises each
        industry holds (subtree included). `parent` links a leaf to its group.
        """
        language = preferred_language()
        items = []
        for industry, count in list_industries(db_session()):
            names = industry.names()
            items.append({
                "id": industry.id,
                "name": pick_name(names, language),
                "names": names_dump(names),
                "parent": industry.parent_id,
                "gbt4754_section": industry.gbt4754_section,
                "enterprise_count": count,
            })
        return {"items": items}
