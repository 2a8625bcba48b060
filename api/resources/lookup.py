""""Is this official?": check a number, link, domain or e-mail address against the directory."""

from __future__ import annotations

import orjson
from flask.views import MethodView

from api.http import json_answer, preferred_language
from api.list_cards import summary_cards
from api.presenters.lookup import lookup_dump
from api.presenters.share import share_url
from api.schemas.lookup import LOOKUP_EXAMPLE, LookupArgsSchema, LookupSchema
from api.smorest import READ_HEADERS, Blueprint, public_read
from api.state import db_session
from directory.lookup import lookup

blp = Blueprint("lookup", __name__, url_prefix="/v1/lookup",
                description="\"Is this official?\": check a number, link or address that reached you.")


@blp.route("")
class Lookup(MethodView):
    @blp.arguments(LookupArgsSchema(), location="query")
    @blp.response(200, LookupSchema, headers=READ_HEADERS, example=LOOKUP_EXAMPLE)
    @public_read(blp)
    def get(self, args):
        """Is this official?

        Paste a phone number, a URL, a bare domain or an e-mail address that reached you. The
        answer says whether it belongs to a listed enterprise (`official`), which one and by
        which channel, and a `hint`: what kind of number it is, whether a link imitates a
        listed domain, whether an address is at a public mailbox. Unknown input is never
        official. Domains are compared by registrable domain (Public Suffix List):
        `www.icbc.com.cn` is ICBC's, `icbc.com.cn.secure-login.top` is not.
        """
        # q's validators refuse all the domain refuses (LookupInputError: empty, overlong, control
        # characters) with the same 422, naming the parameter
        session, language = db_session(), preferred_language()
        result = lookup(session, args["q"], summarise=False, language=language)
        # the matches' summaries from the kept list cards, read with the matches (made and kept
        # when missing)
        ids = list(dict.fromkeys(match.enterprise_id for match in result.matches))
        ready = {match.enterprise_id: match.kept for match in result.matches if match.kept}
        summaries = {ident: {**orjson.loads(card), "url": share_url(ident)}
                     for ident, (card, _ways) in summary_cards(session, ids, language, ready).items()}
        return json_answer(lookup_dump(result, args["q"], language, summaries=summaries))
