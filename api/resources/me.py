"""Your account (/v1/me): who the token acts for, and the listings you keep."""

from __future__ import annotations

from flask import g, jsonify
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.me import me_dump
from api.resources.common import ACCOUNTS
from api.schemas.me import MeSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema
from api.state import db_session
from api.writes import protected_doc
from directory.accounts import User, memberships_of

blp = Blueprint("me", __name__, url_prefix="/v1", tag=ACCOUNTS)


@blp.route("/me")
class Me(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, MeSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never: you exist.")
    @require_scope("me")
    def get(self, _args):
        """Your account

        Who the token acts for, and the listings you keep.
        """
        user: User = g.current_user
        response = jsonify(MeSchema().dump(me_dump(user, memberships_of(db_session(), user),
                                                   g.oauth_token.scope)))
        response.headers["Cache-Control"] = "no-store"
        return response
