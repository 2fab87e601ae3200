"""Answers serialised by the endpoint itself."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_json(model: BaseModel) -> Response:
    """`model` as the JSON FastAPI sends for a `response_model` (pydantic's serialiser, by
    alias), made on the endpoint's worker thread. FastAPI passes a Response through as it
    is: the model is not validated again on one more thread hop and then encoded on the
    event loop (performance.md P4: for a page of 50 leads that was a tenth of the loop's
    time). The route keeps its `response_model`, which documents the answer."""
    return Response(
        model.__pydantic_serializer__.to_json(model, by_alias=True),
        media_type="application/json",
    )
