"""Regions: China's provinces, cities and county-level divisions (GB/T 2260) for `region`."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.http import pick_name, preferred_language
from api.presenters.common import names_dump
from api.schemas.common import NamesSchema
from api.smorest import READ_HEADERS, Blueprint, public_read
from directory.regions import LEVELS, list_regions

blp = Blueprint("regions", __name__, url_prefix="/v1/regions",
                description="China's administrative divisions (GB/T 2260), for the `region` "
                            "parameter of listings, search and detail.")

REGION_EXAMPLE = {"code": "440300", "name": "深圳市",
                  "names": {"zh-Hans": "深圳市", "zh-Hant": "深圳市", "en": "Shenzhen"},
                  "level": "city", "parent": "440000"}


class RegionArgsSchema(Schema):
    parent = fields.String(load_default=None, validate=validate.OneOf(
        [r.code for r in list_regions()], error="No GB/T 2260 division in use has the code {input!r}."),
        metadata={
        "description": "Only the divisions directly under this one: a province's cities (and "
                       "the county-level divisions it administers directly), a city's districts "
                       "and counties.", "example": "440000"})
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS), metadata={
        "description": "Only divisions of this level: `province`, `city` or `county`. Without "
                       "`parent` or `level`, provinces and cities are listed.",
        "example": "province"})


class RegionSchema(Schema):
    code = fields.String(metadata={"description": "GB/T 2260 code: the value to pass as `region`.",
                                   "example": "440300"})
    name = fields.String(metadata={"description": "Name in the language Accept-Language chose.",
                                   "example": "深圳市"})
    names = fields.Nested(NamesSchema, metadata={
        "description": "Names in simplified and traditional Chinese and a romanised English name.",
        "example": REGION_EXAMPLE["names"]})
    level = fields.String(validate=validate.OneOf(LEVELS), metadata={
        "description": "`province` (including municipalities, autonomous regions and SARs), "
                       "`city` (prefecture level) or `county` (county level: districts, "
                       "counties, county-level cities, banners).", "example": "city"})
    parent = fields.String(allow_none=True, metadata={
        "description": "Code of the division this one is in; null for a province. Channels of "
                       "the parent serve this division too.", "example": "440000"})


class RegionListSchema(Schema):
    items = fields.List(fields.Nested(RegionSchema), metadata={
        "description": "Divisions in code order.", "example": [REGION_EXAMPLE]})


@blp.route("")
class Regions(MethodView):
    @blp.arguments(RegionArgsSchema, location="query")
    @blp.response(200, RegionListSchema, headers=READ_HEADERS)
    @public_read(blp)
    def get(self, args):
        """List regions

        Provinces and cities by default; `parent` lists what is directly under a division and
        `level` narrows to one level. A city's channels serve its districts; a province's serve
        its cities.
        """
        parent, level = args["parent"], args["level"]
        regions = list_regions(parent, level)
        if parent is None and level is None:
            regions = [r for r in regions if r.level in ("province", "city")]
        language = preferred_language()
        return {"items": [{"code": r.code, "name": pick_name(r.names, language),
                           "names": names_dump(r.names), "level": r.level, "parent": r.parent}
                          for r in regions]}
