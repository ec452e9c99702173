"""FactbotQueryEngine: factbot's answer path as a llama-index query engine."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.schema import NodeWithScore, QueryBundle

from factbot.core.errors import FactbotError
from factbot.core.types import Answer
from factbot.llama_index.nodes import citation_node, evidence_node
from factbot.model.prompts import CHATS, chat_template
from factbot.pipeline.factbot import FactBot


def to_response(answer: Answer) -> Response:
    """The checked answer's text ([n] markers and all), its cited quotes as source nodes (node n is
    the [n] of the text; its span is in the node's start/end_char_idx), the whole Answer in metadata."""
    return Response(response=answer.text, source_nodes=[citation_node(c) for c in answer.citations],
                    metadata={"answer": answer, "abstained": answer.abstained})  # fmt: skip


class FactbotQueryEngine(BaseQueryEngine):
    """Answers from the articles with factbot's pipeline: retrieval, evidence selection, the local
    model (a llama-index LLM), then the citation check. The Response's text is the checked answer,
    never the model's unchecked draft; when the articles do not answer it says so and has no source
    nodes ("abstained" in metadata). "Is it true that ...?" questions get the claim checker's verdict.

    bot: the FactBot to use (default: one for the configuration in the environment). within:
    search only these articles (doc ids, file names or titles)."""

    def __init__(self, bot: FactBot | None = None, *, within: Collection[str] | None = None,
                 callback_manager: CallbackManager | None = None):  # fmt: skip
        self.bot = bot or FactBot()
        self.within = list(within) if within is not None else None
        super().__init__(callback_manager)

    def _query(self, query_bundle: QueryBundle) -> Response:
        with self.callback_manager.event(CBEventType.QUERY, payload={EventPayload.QUERY_STR: query_bundle.query_str}) as event:
            response = to_response(self.bot.answer(query_bundle.query_str, within=self.within))
            event.on_end(payload={EventPayload.RESPONSE: response})
        return response

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await asyncio.to_thread(self._query, query_bundle)  # FactBot is thread-safe; the model is serialized

    def retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """The numbered passages factbot would show its model for this question (no model call)."""
        return [evidence_node(e) for e in self.bot.find_evidence(query_bundle.query_str, within=self.within).evidence]

    def _get_prompts(self) -> dict:
        return {kind: chat_template(kind) for kind in CHATS}

    def _get_prompt_modules(self) -> dict:
        return {}

    def _update_prompts(self, prompts_dict: dict) -> None:
        raise FactbotError(
            "factbot's prompts are the files in its prompts/ folder (answer_system.md, ...); edit them there. "
            "The citation check reads replies in the form those prompts ask for."
        )
