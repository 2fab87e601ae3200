"""The JSON shape of the form definition (contract A), for the OpenAPI schema and checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class OptionOut(BaseModel):
    value: str
    label: str
    icon: str | None


class QuestionOut(BaseModel):
    name: str
    kind: Literal["text", "tel", "email", "choice", "multi", "textarea"]
    required: bool
    label: str
    hint: str | None
    autocomplete: str | None
    max_length: int | None
    options: list[OptionOut]


class ConsentVersion(BaseModel):
    version: str
    sha256: str
    language: str


class ConsentOut(BaseModel):
    purpose: str
    label: str
    required: bool


class MarkersConsentOut(BaseModel):
    purpose: str
    label: str
    explain: str


class FormDefinition(BaseModel):
    """One language's self-intake form: questions, texts, consents (contract A)."""

    lang: str
    dir: Literal["ltr", "rtl"]
    language_name: str
    consent: ConsentVersion
    texts: dict[str, str | list[str] | dict[str, str]]
    questions: list[QuestionOut]
    consents: list[ConsentOut]
    markers_consent: MarkersConsentOut
    markers: list[QuestionOut]
