"""The self-intake form, defined once (contract A of tools/CONTRACTS.md).

Two renderings read this: the public server-rendered form (`/{lang}/intake`) and the agent
app's hand-over mode (through `GET /api/intake/form/{lang}`). Every text here is an English
msgid of the public tier (this folder is listed in `public_files`), translated per language
when a definition is built. A question's `name` is the `lead.create` field it fills (a
marker's name is its key in `fields.markers`). No web framework here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import i18n
from api.leads.rules import FIRST_CALL_DAYS
from api.vocab import AgeBand, CallTime, Education, Gender, Language, Need, ProjectStage, YesNo
from i18n import N_, N_plural
from i18n.format import text_direction

# Bump when the meaning of the privacy notice or of a consent changes: the version is stored
# with every consent, with the SHA-256 of the exact text the person saw in their language.
# tests/intake/test_form.py holds CONSENT_SOURCE_SHA256 to the English text, so an edit of the
# text that forgets the version fails the suite.
CONSENT_VERSION = "intake-2026-12"
CONSENT_SOURCE_SHA256 = "45d3b3bee59ea4e7a2c838c63abe344519a35cd8b107a71f90f37044388be996"
# The notice as written in the source, placeholders unfilled: what that hash covers.
SOURCE_NOTICE_FIELDS = ("{organisation}", "{contact}")
ICON_PATH = "/intake/icons/{name}.svg"
# Unanswered self-intakes are purged after this many months (privacy-security.md, policy).
RETENTION_MONTHS = 6

Kind = Literal["text", "tel", "email", "choice", "multi", "textarea"]


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # msgid
    icon: str | None = None  # file name under pwa/intake/icons/, without .svg


@dataclass(frozen=True)
class Question:
    name: str
    kind: Kind
    label: str  # msgid
    hint: str | None = None  # msgid
    required: bool = False
    autocomplete: str | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class ConsentItem:
    purpose: str
    label: str  # msgid
    required: bool = False
    explain: str | None = None  # msgid


def _options(pairs: tuple[tuple[str, str], ...], *, icons: bool = True) -> tuple[Option, ...]:
    return tuple(Option(value, label, value if icons else None) for value, label in pairs)


PREFER_NOT = N_("I prefer not to say")
YES_NO = (
    Option(YesNo.yes.value, N_("Yes")),
    Option(YesNo.no.value, N_("No")),
    Option(YesNo.prefer_not_to_say.value, PREFER_NOT),
)
SECTORS = _options(
    (
        ("food", N_("Cooking and food")),
        ("horeca", N_("Café or restaurant")),
        ("retail", N_("Shop or market")),
        ("beauty", N_("Hair and beauty")),
        ("construction", N_("Building and repairs")),
        ("transport", N_("Transport and delivery")),
        ("crafts", N_("Sewing and crafts")),
        ("services", N_("Cleaning, childcare, services")),
        ("auto", N_("Cars and garage")),
        ("it", N_("Computers and internet")),
        ("other", N_("Something else")),
    )
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "first_name",
        "text",
        N_("Your first name"),
        required=True,
        autocomplete="given-name",
        max_length=100,
    ),
    Question("last_name", "text", N_("Your last name"), autocomplete="family-name", max_length=100),
    Question(
        "phone",
        "tel",
        N_("Your phone number"),
        N_("We call you on this number. A phone number or an e-mail address is enough."),
        autocomplete="tel",
        max_length=40,
    ),
    Question(
        "email",
        "email",
        N_("Your e-mail address"),
        N_("Only if you have no phone, or if you prefer e-mail."),
        autocomplete="email",
        max_length=254,
    ),
    Question(
        "language",
        "choice",
        N_("Which language do you speak best?"),
        N_("We try to call you in this language."),
        required=True,
        options=tuple(Option(code.value, i18n.LANGUAGE_NAMES[code.value]) for code in Language),
    ),
    Question(
        "commune",
        "text",
        N_("Where do you live?"),
        N_("Your commune or postcode. For example: Molenbeek or 1080."),
        autocomplete="address-level2",
        max_length=80,
    ),
    Question("sector", "choice", N_("What do you want to do?"), options=SECTORS),
    Question(
        "project_idea",
        "textarea",
        N_("Your idea in a few words"),
        N_("You can skip this. We will talk about it together."),
        max_length=2000,
    ),
    Question(
        "project_stage",
        "choice",
        N_("Where are you now?"),
        options=_options(
            (
                (ProjectStage.idea.value, N_("I have an idea")),
                (ProjectStage.starting.value, N_("I am starting")),
                (ProjectStage.existing.value, N_("I already have a business")),
                (ProjectStage.in_difficulty.value, N_("My business has problems")),
            )
        ),
    ),
    Question(
        "needs",
        "multi",
        N_("What do you need?"),
        N_("You can choose more than one."),
        options=_options(
            (
                (Need.credit.value, N_("A loan")),
                (Need.coaching.value, N_("Advice and support")),
                (Need.training.value, N_("A training course")),
                (Need.information.value, N_("Some information")),
            )
        ),
    ),
    Question(
        "call_time",
        "choice",
        N_("When can we call you?"),
        options=_options(
            (
                (CallTime.morning.value, N_("In the morning")),
                (CallTime.afternoon.value, N_("In the afternoon")),
                (CallTime.evening.value, N_("In the evening")),
                (CallTime.any.value, N_("Any time")),
            )
        ),
    ),
)

MARKERS: tuple[Question, ...] = (
    Question(
        "gender",
        "choice",
        N_("You are"),
        options=(
            Option(Gender.woman.value, N_("A woman")),
            Option(Gender.man.value, N_("A man")),
            Option(Gender.other.value, N_("Other")),
            Option(Gender.prefer_not_to_say.value, PREFER_NOT),
        ),
    ),
    Question(
        "age_band",
        "choice",
        N_("Your age"),
        options=(
            Option(AgeBand.under_25.value, N_("Under 25")),
            Option(AgeBand.a25_29.value, N_("25 to 29")),
            Option(AgeBand.a30_39.value, N_("30 to 39")),
            Option(AgeBand.a40_49.value, N_("40 to 49")),
            Option(AgeBand.a50_59.value, N_("50 to 59")),
            Option(AgeBand.a60_plus.value, N_("60 or more")),
            Option(AgeBand.prefer_not_to_say.value, PREFER_NOT),
        ),
    ),
    Question("single_parent", "choice", N_("Do you raise your children alone?"), options=YES_NO),
    Question(
        "education_level",
        "choice",
        N_("How far did you go in school?"),
        options=(
            Option(Education.none.value, N_("I did not go to school")),
            Option(Education.primary.value, N_("Primary school")),
            Option(Education.lower_secondary.value, N_("Some secondary school")),
            Option(Education.upper_secondary.value, N_("Secondary school diploma")),
            Option(Education.higher.value, N_("College or university")),
            Option(Education.prefer_not_to_say.value, PREFER_NOT),
        ),
    ),
    Question("job_seeker", "choice", N_("Are you registered as a job seeker?"), options=YES_NO),
    Question(
        "welfare_income", "choice", N_("Do you get an income from the CPAS (OCMW)?"), options=YES_NO
    ),
    Question(
        "no_stable_income",
        "choice",
        N_("Is your income irregular, or do you have none?"),
        options=YES_NO,
    ),
    Question(
        "migrant_background",
        "choice",
        N_("Were you or one of your parents born outside Belgium?"),
        options=YES_NO,
    ),
)

CONSENTS: tuple[ConsentItem, ...] = (
    ConsentItem(
        "contact", N_("Yes, you may call me or write to me about my project."), required=True
    ),
    ConsentItem("newsletter", N_("Yes, send me news about free sessions and training.")),
)
# Ticking it shows the markers; it is the explicit consent the sensitive ones need (Art. 9).
MARKERS_CONSENT = ConsentItem(
    "sensitive_markers",
    N_("I want to answer a few questions about me."),
    explain=N_(
        "This is optional. It helps us show who we help. We never show these answers with"
        " your name. Some are sensitive, like where your family comes from: we ask them only"
        " if you agree. You can always answer “I prefer not to say”."
    ),
)

TEXTS: dict[str, str] = {
    "title": N_("Tell us about your project"),
    "intro": N_(
        "We help people start or grow a small business. We lend money and give free advice."
        " Answer a few short questions, then we call you."
    ),
    "next": N_("Next"),
    "back": N_("Back"),
    "skip": N_("Skip"),
    "send": N_("Send"),
    "sending": N_("Sending…"),
    "step": N_("Question {n} of {total}"),
    "required": N_("required"),
    "optional": N_("optional"),
    "privacy_title": N_("Your answers and your rights"),
    "consent_title": N_("Your agreement"),
    "markers_title": N_("About you"),
    "thanks_title": N_("Thank you!"),
    "thanks_more": N_("Do you have a question before then? Answer our call, or call us back."),
    "again": N_("Fill in the form for another person"),
    "language_picker": N_("Language"),
    "errors_title": N_("Please check these answers:"),
    "offline": N_(
        "There is no internet right now. Your answers are kept on this phone. They will be sent"
        " by themselves when the internet is back. Keep this page open."
    ),
    "too_many_title": N_("Please wait a little"),
    "too_many_body": N_(
        "We received many forms from this connection. Please try again later, or tomorrow."
    ),
    "too_large_title": N_("Your answers are too long"),
    "too_large_body": N_("Please write less, then send again."),
    "not_found_title": N_("This page does not exist"),
    "go_to_form": N_("Go to the form"),
}
THANKS_BODY = N_plural(
    "Someone from our team will call you within {n} day.",
    "Someone from our team will call you within {n} days.",
)
# "That is by Friday 12 December at the latest." (a date in the person's language)
THANKS_BY = N_("That is by {date} at the latest.")

# Error codes a client shows under a question (the same codes the server answers with).
ERRORS: dict[str, str] = {
    "required": N_("Please answer this question."),
    "contact_required": N_("Give a phone number or an e-mail address."),
    "invalid_phone": N_("This is not a valid phone number."),
    "invalid_email": N_("This is not a valid e-mail address."),
    "invalid_postcode": N_("A Belgian postcode has 4 digits."),
    "invalid_choice": N_("Please choose one of the answers shown."),
    "too_long": N_("This answer is too long. Please write less."),
    "consent_required": N_("Please tick this box, so that we may contact you."),
    "invalid": N_("This answer is not valid."),
}


def _privacy_msgids() -> tuple[str, ...]:
    return (
        N_("Who we are: {organisation}. You can write to us at {contact}."),
        N_(
            "What we do with your answers: we use them only to call you or write to you"
            " about your project. We do not sell them."
        ),
        N_(
            "Who sees them: only our team. We give them to a partner only if you ask us to,"
            " for example to help you find training."
        ),
        N_("We keep your answers only while we help you."),
        N_(
            "Your rights: you can ask to see your answers, to correct them or to delete them."
            " You can take back your agreement at any time: it is as easy as giving it."
            " Write to {contact}."
        ),
        N_(
            "You can also complain to the Belgian Data Protection Authority"
            " (www.dataprotectionauthority.be)."
        ),
        N_(
            "You do not have to answer. Without a phone number or an e-mail address, we cannot"
            " contact you."
        ),
    )


# The retention paragraph takes a count, so it is a plural message.
RETENTION = N_plural(
    "If we do not start working together, we delete your answers after {n} month.",
    "If we do not start working together, we delete your answers after {n} months.",
)


@dataclass(frozen=True)
class Notice:
    """Who the controller is and how to reach them (settings, filled into the notice)."""

    organisation: str
    contact: str


@dataclass(frozen=True)
class Translated:
    """gettext and ngettext bound to one language, whatever the request's language."""

    language: str
    _t: Any = field(repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_t", i18n.translations(self.language))

    def __call__(self, msgid: str) -> str:
        return str(self._t.gettext(msgid))

    def plural(self, forms: tuple[str, str], n: int) -> str:
        return str(self._t.ngettext(forms[0], forms[1], n)).format(n=n)


def privacy_paragraphs(language: str, notice: Notice) -> list[str]:
    t = Translated(language)
    values = {"organisation": notice.organisation, "contact": notice.contact}
    paragraphs = [t(msgid).format(**values) for msgid in _privacy_msgids()]
    # The retention sentence goes right after "We keep your answers only while …".
    paragraphs.insert(4, t.plural(RETENTION, RETENTION_MONTHS))
    return paragraphs


def consent_text(language: str, notice: Notice) -> str:
    """The exact text a person agrees to in a language: what the stored SHA-256 covers."""
    t = Translated(language)
    document = {
        "version": CONSENT_VERSION,
        "privacy": privacy_paragraphs(language, notice),
        "consents": [t(c.label) for c in CONSENTS],
        "markers_consent": [t(MARKERS_CONSENT.label), t(MARKERS_CONSENT.explain or "")],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def consent_sha256(language: str, notice: Notice) -> str:
    return hashlib.sha256(consent_text(language, notice).encode("utf-8")).hexdigest()


def thanks_body(language: str, days: int = FIRST_CALL_DAYS) -> str:
    """ "… will call you within {n} days": two, or more when a weekend comes first."""
    return Translated(language).plural(THANKS_BODY, days)


def _question(q: Question, t: Translated) -> dict[str, Any]:
    # Language names are written in their own language, never translated.
    own_names = q.name == "language"
    return {
        "name": q.name,
        "kind": q.kind,
        "required": q.required,
        "label": t(q.label),
        "hint": t(q.hint) if q.hint else None,
        "autocomplete": q.autocomplete,
        "max_length": q.max_length,
        "options": [
            {
                "value": o.value,
                "label": o.label if own_names else t(o.label),
                "icon": ICON_PATH.format(name=o.icon) if o.icon else None,
            }
            for o in q.options
        ],
    }


@cache
def definition(language: str, notice: Notice) -> dict[str, Any]:
    """The whole form in one language: the JSON of `GET /api/intake/form/{lang}`."""
    t = Translated(language)
    texts: dict[str, Any] = {key: t(msgid) for key, msgid in TEXTS.items()}
    texts["privacy"] = privacy_paragraphs(language, notice)
    texts["thanks_body"] = thanks_body(language)
    texts["errors"] = {code: t(msgid) for code, msgid in ERRORS.items()}
    return {
        "lang": language,
        "dir": text_direction(language),
        "language_name": i18n.LANGUAGE_NAMES[language],
        "consent": {
            "version": CONSENT_VERSION,
            "sha256": consent_sha256(language, notice),
            "language": language,
        },
        "texts": texts,
        "questions": [_question(q, t) for q in QUESTIONS],
        "consents": [
            {"purpose": c.purpose, "label": t(c.label), "required": c.required} for c in CONSENTS
        ],
        "markers_consent": {
            "purpose": MARKERS_CONSENT.purpose,
            "label": t(MARKERS_CONSENT.label),
            "explain": t(MARKERS_CONSENT.explain or ""),
        },
        "markers": [_question(q, t) for q in MARKERS],
    }


def question(name: str) -> Question:
    """A question or marker by name (KeyError for an unknown one)."""
    return _BY_NAME[name]


_BY_NAME = {q.name: q for q in (*QUESTIONS, *MARKERS)}
